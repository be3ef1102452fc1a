package openapi

// param is a format-neutral operation parameter; typ is a JSON schema type.
type param struct {
	name     string
	in       string // path or query
	typ      string
	desc     string
	required bool
}

func pathParam(name, desc string) param {
	return param{name: name, in: "path", typ: "string", desc: desc, required: true}
}

func queryParam(name, typ, desc string) param {
	return param{name: name, in: "query", typ: typ, desc: desc}
}

// Parameters shared by many operations, described for kubectl explain-like
// readers and for kubectl's query-parameter checks (fieldValidation on PATCH).
var (
	pName      = pathParam("name", "name of the object")
	pNamespace = pathParam("namespace", "object name and auth scope, such as for teams and projects")
	pPretty    = queryParam("pretty", "string", "If 'true', then the output is pretty printed.")

	pDryRun = queryParam("dryRun", "string", "When present, indicates that modifications should not be persisted. "+
		"Valid value: All (process the request fully without persisting it).")
	pFieldManager = queryParam("fieldManager", "string", "Name of the actor or entity making the change, "+
		"recorded in managedFields. At most 128 printable characters.")
	pFieldValidation = queryParam("fieldValidation", "string", "How the server treats unknown or duplicate "+
		"fields in the request body: Ignore (drop them silently), Warn (drop them and return a warning "+
		"per field), or Strict (reject the request).")
	pForce = queryParam("force", "boolean", "Force an apply request: take ownership of fields managed "+
		"by other managers. Must be unset for non-apply patches.")

	pGracePeriod = queryParam("gracePeriodSeconds", "integer", "Seconds before the object is deleted; "+
		"zero means delete immediately. Unset means the default of the type.")
	pOrphan = queryParam("orphanDependents", "boolean", "Deprecated: use propagationPolicy. "+
		"Whether dependents are orphaned.")
	pPropagation = queryParam("propagationPolicy", "string", "Whether and how garbage collection deletes "+
		"dependents: Orphan, Background or Foreground.")

	pAllowWatchBookmarks  = queryParam("allowWatchBookmarks", "boolean", "Ask for BOOKMARK watch events.")
	pContinue             = queryParam("continue", "string", "Token from a previous paged list to fetch the next page.")
	pFieldSelector        = queryParam("fieldSelector", "string", "Restrict the returned objects by their fields.")
	pLabelSelector        = queryParam("labelSelector", "string", "Restrict the returned objects by their labels.")
	pLimit                = queryParam("limit", "integer", "Maximum number of objects per page of a list.")
	pResourceVersion      = queryParam("resourceVersion", "string", "Resource version the list or watch starts from.")
	pResourceVersionMatch = queryParam("resourceVersionMatch", "string", "How resourceVersion applies to a "+
		"list: Exact or NotOlderThan.")
	pSendInitialEvents = queryParam("sendInitialEvents", "boolean", "Start a watch with synthetic ADDED "+
		"events for the current state, followed by a bookmark.")
	pTimeoutSeconds = queryParam("timeoutSeconds", "integer", "Time limit of the list or watch call.")
	pWatch          = queryParam("watch", "boolean", "Watch for changes and return them as a stream of "+
		"add, update and remove notifications.")
)

var (
	writeParams  = []param{pDryRun, pFieldManager, pFieldValidation}
	patchParams  = []param{pDryRun, pFieldManager, pFieldValidation, pForce}
	deleteParams = []param{pDryRun, pGracePeriod, pOrphan, pPropagation}
	listParams   = []param{pAllowWatchBookmarks, pContinue, pFieldSelector, pLabelSelector, pLimit,
		pResourceVersion, pResourceVersionMatch, pSendInitialEvents, pTimeoutSeconds, pWatch}
)

// Parameters of the streaming subresources of pods.
var (
	logParams = []param{
		queryParam("container", "string", "Container to stream logs of; may be omitted for single-container pods."),
		queryParam("follow", "boolean", "Follow the log stream."),
		queryParam("insecureSkipTLSVerifyBackend", "boolean", "Do not verify the serving certificate of the node."),
		queryParam("limitBytes", "integer", "Stop after this many bytes of log."),
		queryParam("previous", "boolean", "Return the logs of the previous, terminated container instance."),
		queryParam("sinceSeconds", "integer", "Relative time in seconds before now to show logs from."),
		queryParam("tailLines", "integer", "Number of lines from the end of the log to show."),
		queryParam("timestamps", "boolean", "Prefix every line with an RFC 3339 timestamp."),
	}
	attachParams = []param{
		queryParam("container", "string", "Container to attach to."),
		queryParam("stderr", "boolean", "Redirect the standard error stream."),
		queryParam("stdin", "boolean", "Redirect the standard input stream."),
		queryParam("stdout", "boolean", "Redirect the standard output stream."),
		queryParam("tty", "boolean", "Allocate a terminal."),
	}
	execParams = append([]param{
		queryParam("command", "string", "Command to run; repeat the parameter for each argument."),
	}, attachParams...)
	portForwardParams = []param{queryParam("ports", "integer", "Ports of the pod to forward.")}
	proxyParams       = []param{queryParam("path", "string", "Path to pass to the proxied target.")}
)
