package attack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"syscall"

	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
)

// signals are the response headers, beyond the status, that tell what went
// wrong: the AWS error type and Lambda's function-error flag.
type signals struct {
	errorType     string // x-amzn-ErrorType, up to any ':'
	functionError bool   // X-Amz-Function-Error present
	reason        string // a throttle's "Reason" from the body
	logResult     string // X-Amz-Log-Result: the log tail of an Invoke
	wantID        bool   // read the request id (it costs an allocation)
	requestID     string // X-Amzn-RequestId, when wanted
	// wantPayload: read cold-start markers from the head of a successful
	// body when no marker header came (an Invoke API payload, whose
	// function cannot set headers).
	wantPayload bool
}

// wantsHead says whether the head of a response body is read: an error's,
// for its reason; a success's, for payload markers when they are wanted and
// no marker header came.
func wantsHead(status int, sg *signals, m *markers) bool {
	return status >= 400 || (sg.wantPayload && status >= 200 && status < 300 && !m.present)
}

// readHead reads what wantsHead wanted from the head of a body (at most
// errBodyPeek bytes).
func readHead(b []byte, status int, sg *signals, m *markers) {
	if status >= 400 {
		sg.reason = throttleReason(b)
		return
	}
	m.parsePayload(b)
}

// throttleReason finds the "Reason" of a Lambda TooManyRequestsException
// body, {"Reason":"ConcurrentInvocationLimitExceeded",…}, in the head of an
// error body. It allocates only when there is one.
func throttleReason(body []byte) string {
	const key = `"Reason":`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(body[i+len(key):], " ")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	rest = rest[1:]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || end > 100 {
		return ""
	}
	return string(rest[:end])
}

// parseHeader reads one header if it is a signal; no allocation unless it is.
func (sg *signals) parseHeader(name, value []byte) {
	switch {
	case equalFold(name, "x-amzn-errortype"):
		if i := bytes.IndexByte(value, ':'); i >= 0 {
			value = value[:i]
		}
		sg.errorType = string(value)
	case equalFold(name, "x-amz-function-error"):
		sg.functionError = len(value) > 0
	case equalFold(name, "x-amz-log-result"):
		sg.logResult = string(value)
	case sg.wantID && equalFold(name, "x-amzn-requestid"):
		sg.requestID = string(value)
	}
}

func signalsFromHeader(h http.Header, want signals) signals {
	sg := signals{wantID: want.wantID, wantPayload: want.wantPayload}
	for _, name := range [...]string{"X-Amzn-Errortype", "X-Amz-Function-Error", "X-Amz-Log-Result", "X-Amzn-Requestid"} {
		if v := h.Get(name); v != "" {
			sg.parseHeader([]byte(name), []byte(v))
		}
	}
	return sg
}

// classifyStatus sets the outcome of a response from its status and
// signals. Throttling is told by status and headers, not status alone:
// Lambda function URLs have answered 400 with x-amzn-ErrorType
// ThrottlingException, and Azure Functions answers 503 at its scale limit
// (docs/sources.md, "Scaling and throttling"). A function error is Lambda's
// X-Amz-Function-Error or a 5xx; other 4xx are http errors.
func classifyStatus(t *Target, status int, sg signals, res *result) {
	res.status = status
	switch {
	case status == http.StatusTooManyRequests, isThrottleType(sg.errorType),
		status == http.StatusServiceUnavailable && t.Provider == platform.Azure:
		res.outcome, res.class = rundir.IndexError, classThrottled
	case sg.functionError, status >= 500:
		res.outcome, res.class = rundir.IndexError, classFunction
	case status >= 400:
		res.outcome, res.class = rundir.IndexError, classHTTPError
	case status >= 300 && status != http.StatusNotModified:
		// A redirect not followed (follow_redirects is off, or a client
		// that follows stopped at one): not the function's answer.
		res.outcome, res.class = rundir.IndexError, classHTTPError
		res.errMsg = redirectText(status)
		return
	default:
		res.outcome, res.class = rundir.IndexWarm, -1
		return
	}
	res.errMsg = statusText(status)
	if sg.errorType != "" {
		res.errMsg += " " + sg.errorType
	}
	if sg.reason != "" {
		res.errMsg += " (" + sg.reason + ")"
	}
}

// redirectText is a 3xx's error message, built once per status rather than
// per response.
func redirectText(status int) string {
	if s, ok := redirectTexts[status]; ok {
		return s
	}
	return statusText(status) + redirectHint
}

const redirectHint = " (a redirect; set follow_redirects: true on the target to follow it)"

var redirectTexts = func() map[int]string {
	m := map[int]string{}
	for code := 300; code < 400; code++ {
		m[code] = statusText(code) + redirectHint
	}
	return m
}()

// isThrottleType reports whether an AWS error type means throttling.
func isThrottleType(t string) bool {
	return t == "ThrottlingException" || t == "TooManyRequestsException"
}

// statusText is "404 Not Found" without allocating for common statuses.
func statusText(status int) string {
	if s, ok := statusTexts[status]; ok {
		return s
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}

var statusTexts = func() map[int]string {
	m := map[int]string{}
	for code := 300; code < 600; code++ {
		if t := http.StatusText(code); t != "" {
			m[code] = fmt.Sprintf("%d %s", code, t)
		}
	}
	return m
}()

// classIndex is rundir.ClassIndex for the classes the engine records,
// which must exist.
func classIndex(name string) int {
	i := rundir.ClassIndex(name)
	if i < 0 {
		panic("attack: unknown error class " + name)
	}
	return i
}

var (
	classFunction  = classIndex(rundir.ClassFunctionError)
	classThrottled = classIndex(rundir.ClassThrottled)
	classHTTPError = classIndex(rundir.ClassHTTPError)
	classTimeout   = classIndex(rundir.ClassTimeout)
	classTransport = classIndex(rundir.ClassTransportError)
	classClient    = classIndex(rundir.ClassClientError)
)

// classifyErr tells a timeout from other transport failures, and both
// from fnbench's own: a request it abandoned (a second interrupt cancels
// or closes what is in flight) or could not send for want of its own
// resources (file descriptors, memory, buffers, local ports).
func classifyErr(err error) int {
	var te interface{ Timeout() bool } // net.Error's, and fnbench's own
	switch {
	case errors.Is(err, errSenderClosed), errors.Is(err, context.Canceled),
		errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE), errors.Is(err, syscall.ENOMEM),
		errors.Is(err, syscall.ENOBUFS), errors.Is(err, syscall.EADDRNOTAVAIL):
		return classClient
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return classTimeout
	case errors.As(err, &te) && te.Timeout():
		return classTimeout
	}
	return classTransport
}
