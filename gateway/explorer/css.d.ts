// Style sheets are imported for their effect; esbuild bundles them into explorer.css.
declare module '*.css';
