-- What PostGraphile needs to answer the registry's dashboard over the registry's
-- own tables: the registry keeps localized text as JSON in text columns
-- ({"en": …, "ru": …}) and derives a program's status from today's date, so
-- these are computed columns (functions whose first argument is the table's
-- row type), with the registry's fallback: the asked language, then English,
-- then Russian. Idempotent; the registry itself never calls them.
CREATE OR REPLACE FUNCTION programs_localized_title(p programs, lang text DEFAULT NULL) RETURNS text
  LANGUAGE sql STABLE AS $$
  SELECT COALESCE(p.title::jsonb->>lang, p.title::jsonb->>'en', p.title::jsonb->>'ru', p.slug) $$;
CREATE OR REPLACE FUNCTION programs_status(p programs) RETURNS text
  LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN COALESCE(p.ends_on, p.starts_on) < to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') THEN 'ARCHIVED'
    WHEN p.starts_on IS NULL OR p.starts_on > to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') THEN 'UPCOMING'
    ELSE 'ONGOING' END $$;
CREATE OR REPLACE FUNCTION regions_localized_name(r regions, lang text DEFAULT NULL) RETURNS text
  LANGUAGE sql STABLE AS $$
  SELECT COALESCE(r.name::jsonb->>lang, r.name::jsonb->>'en', r.name::jsonb->>'ru', r.code) $$;
CREATE OR REPLACE FUNCTION organizations_localized_name(o organizations, lang text DEFAULT NULL) RETURNS text
  LANGUAGE sql STABLE AS $$
  SELECT COALESCE(o.name::jsonb->>lang, o.name::jsonb->>'en', o.name::jsonb->>'ru', o.slug) $$;
CREATE OR REPLACE FUNCTION sessions_localized_title(s sessions, lang text DEFAULT NULL) RETURNS text
  LANGUAGE sql STABLE AS $$
  SELECT COALESCE(s.title::jsonb->>lang, s.title::jsonb->>'en', s.title::jsonb->>'ru', '') $$;
