// Policy helpers any module may use (modules may import ../../policy; never a sibling module).
export { accessList, accessRuleSchema, type AccessList, type AccessRule } from './access-list.js';
export { AddressQuota } from './address-quota.js';
export { RefusalLog } from './refusal-log.js';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.js';
