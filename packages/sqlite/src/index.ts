export { Database, type Queryable, type Migration, type Params, type SqlValue } from './database';
