import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An API key as stored: only its hash; the key itself is shown once (src/auth/keys.ts reads and writes it). */
@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Column('varchar', { name: 'key_hash', length: 64, unique: true })
  keyHash: string;

  /** The first characters of the key, to name it in lists and in `keys revoke`. */
  @Column('varchar', { length: 16 })
  prefix: string;

  @Column('varchar', { length: 16 })
  role: string;

  @Column('varchar', { length: 200, nullable: true })
  label: string | null;

  @Column('varchar', { name: 'created_at', length: 30 })
  createdAt: string;

  @Column('varchar', { name: 'revoked_at', length: 30, nullable: true })
  revokedAt: string | null;
}
