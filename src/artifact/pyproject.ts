// pyproject.toml is read in one place, src/pep/pyproject.ts; the sdist readers import it from here.
export { parsePyproject, PyprojectDocument } from '../pep/pyproject.js';
export type { BuildSystemTable, ProjectTable, Pyproject } from '../pep/pyproject.js';
