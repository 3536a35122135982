export { TestApiServer } from './server';
export type { TestApiServerOptions } from './server';
export type { ResourceType } from './resources';
export type { TokenUser } from './rbac';
