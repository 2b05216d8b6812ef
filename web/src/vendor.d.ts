// JSON data modules of packages that ship no types.
declare module "world-atlas/countries-110m.json" {
  const topology: unknown;
  export default topology;
}
