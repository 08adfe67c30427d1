/**
 * What a route module needs, in one import: `import { asyncHandler, sendJson, ... } from '../server/route-helpers'`.
 */
export { asyncHandler } from './async-handler';
export { sendJson, sendEmpty } from './respond';
export { JsonStream, startJsonStream } from './json-stream';
export { readBody, readJsonBody, readJsonObject } from './json-body';
export { queryString, queryList, queryBool, queryBoolValue, queryHas, queryInt, queryAtoi, queryFilters } from './query';
export { hijack, isUpgradeRequest, isHijacked, RAW_STREAM_CONTENT_TYPE, type HijackOptions } from './hijack';
export { apiVersionOf, apiAtLeast, MULTIPLEXED_STREAM_CONTENT_TYPE } from './api-version';
export { httpStatusOf } from './http-status';
