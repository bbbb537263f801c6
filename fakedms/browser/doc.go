// Package browser is fakedms's resource browser: web pages, served by the
// fakedms server (and so by fakedms/cmd/fakedms) under [Prefix]
// (/_minidms/, a path no AWS API uses), to see and manage replication
// instances, endpoints (with TestConnection and its result), replication
// tasks (create, start, resume, reload, stop, delete; a detail page with
// ReplicationTaskStats and table statistics that refreshes while the task
// runs), serverless replication configs and replications, and the records
// of the built-in Kinesis's streams.
//
// # One code path
//
// The browser holds no DMS logic. Every page is made of DMS API calls,
// issued with the real SDK client (service/databasemigrationservice)
// whose HTTP client serves each request with the API handler it was given
// (fakedms's routing) in process: a click goes through the same routing,
// codec, dispatch and operation functions as a call from the AWS CLI, and
// an error shown is the API's own code and message. Only the SigV4 check
// that fakedms.WithCredentials adds for outside clients is skipped: the
// calls are the server's own, and the pages themselves are not
// authenticated (keep such a server on loopback). The SDK's client-side
// input validation is removed, so a blank required field is reported by
// the API as it would be to any client that does not validate. That is
// also why this is a package of its own rather than files in fakedms: it
// needs nothing but an http.Handler and, for the stream viewer, the
// built-in Kinesis's Records and StreamNames, so fakedms exports nothing
// for it; fakedms mounts it with one field and one route.
//
// Serverless replications (DescribeReplicationConfigs,
// DescribeReplications) are listed through the same client; while the API
// answers UnknownOperationException for them, the page says the server
// does not serve them.
//
// # Safety
//
// Pages are html/template renderings, so every value (identifiers, tags,
// table mappings, settings, record data) is escaped; the pages carry no
// script at all (a running task's page refreshes with a meta refresh) and
// are served with a Content-Security-Policy that allows none. State-changing
// actions are POSTs that carry a CSRF token: an HMAC, under a random
// secret of the browser instance, of a random per-browser cookie
// (HttpOnly, SameSite=Strict); a POST without the cookie or with a wrong
// token is refused with 403.
package browser
