export { readPacks } from './read-packs.js';
