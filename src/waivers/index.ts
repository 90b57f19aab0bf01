export { applyWaivers, covers, waiverEnd, type WaivedFinding, type WaiverOutcome } from './apply.js';
export { authorizeWaiver, permissionFromApi, resolveExpiry, type AuthorizationDecision, type AuthorizationRequest, type PermissionSource, type RepositoryPermission } from './authorize.js';
export { COMMAND_PREFIX, parseCommands, WAIVE_USAGE, type Command, type WaiveTarget } from './commands.js';
export { explainRule, helpText } from './help.js';
export { isAppComment, parseRecords, readLedger, renderRecord, type AppIdentity, type CommentLike, type RevocationRecord, type TrustgateRecord, type WaiverLedger, type WaiverRecord, type WaiverScope } from './records.js';
export { reviewFindings, type ReviewInput, type ReviewResult } from './review.js';
export { describeScope, describeWaiver, renderExceptionsSummary } from './summary.js';
