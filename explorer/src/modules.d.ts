/** Monaco's workers' code, bundled by scripts/build-explorer.js. */
declare module 'registry:workers' {
  const workers: Record<'editor' | 'json' | 'graphql', string>;
  export default workers;
}
declare module '*.css';
