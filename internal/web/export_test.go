package web

// What the external tests (package web_test) read of the package's internals.

// ApprovalRequestsPerManager is how many enrolments may name one manager's address in an hour
// (limitApprovalManager).
var ApprovalRequestsPerManager = limitApprovalManager.max
