package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	rc "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/util/exec"
)

// streamIdleTimeout closes a websocket session that moved no data for this
// long, as the kubelet's streaming-connection-idle-timeout does.
const streamIdleTimeout = 4 * time.Hour

// translateRemoteCommand serves an exec or attach websocket (v5 or v4
// channel protocol) by running the same command against the runtime's
// streaming URL over SPDY, copying the channels across, and reporting the
// outcome on the error channel.
func (s *Server) translateRemoteCommand(w http.ResponseWriter, r *http.Request, target *url.URL, opts streamOptions) {
	channels := []wsstream.ChannelType{
		channelIf(opts.stdin, wsstream.ReadChannel),
		channelIf(opts.stdout, wsstream.WriteChannel),
		channelIf(opts.stderr, wsstream.WriteChannel),
		wsstream.WriteChannel,                     // error/status
		channelIf(opts.tty, wsstream.ReadChannel), // resize
	}
	conn := wsstream.NewConn(map[string]wsstream.ChannelProtocolConfig{
		rc.StreamProtocolV5Name: {Binary: true, Channels: channels},
		rc.StreamProtocolV4Name: {Binary: true, Channels: channels},
	})
	conn.SetIdleTimeout(streamIdleTimeout)
	_, streams, err := conn.Open(w, r)
	if err != nil {
		s.cfg.Logger.Debug("websocket handshake failed", "err", err)
		return
	}
	defer conn.Close()
	executor, err := remotecommand.NewSPDYExecutor(&rest.Config{}, http.MethodPost, target)
	if err != nil {
		writeStatus(streams[rc.StreamErr], err)
		return
	}
	so := remotecommand.StreamOptions{Tty: opts.tty}
	if opts.stdin {
		so.Stdin = streams[rc.StreamStdIn]
	}
	if opts.stdout {
		so.Stdout = streams[rc.StreamStdOut]
	}
	if opts.stderr {
		so.Stderr = streams[rc.StreamStdErr]
	}
	if opts.tty {
		so.TerminalSizeQueue = newResizeQueue(streams[rc.StreamResize])
	}
	writeStatus(streams[rc.StreamErr], executor.StreamWithContext(r.Context(), so))
}

func channelIf(on bool, t wsstream.ChannelType) wsstream.ChannelType {
	if on {
		return t
	}
	return wsstream.IgnoreChannel
}

// writeStatus reports how the command ended, as a metav1.Status on the
// error channel (the v4/v5 protocol): an exit code travels as a
// NonZeroExitCode cause that kubectl turns into its own exit code.
func writeStatus(ch io.Writer, err error) {
	st := metav1.Status{Status: metav1.StatusSuccess}
	var exit exec.CodeExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		st = metav1.Status{Status: metav1.StatusFailure, Reason: rc.NonZeroExitCodeReason,
			Message: "command terminated with non-zero exit code: " + exit.Error(),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
				{Type: rc.ExitCodeCauseType, Message: strconv.Itoa(exit.Code)}}}}
	default:
		st = metav1.Status{Status: metav1.StatusFailure, Reason: metav1.StatusReasonInternalError, Message: err.Error()}
	}
	data, _ := json.Marshal(st)
	_, _ = ch.Write(data)
}

// resizeQueue turns the resize channel's JSON messages into terminal sizes.
type resizeQueue struct {
	dec *json.Decoder
}

func newResizeQueue(r io.Reader) *resizeQueue { return &resizeQueue{dec: json.NewDecoder(r)} }

// Next blocks for the next size; nil ends the queue (the channel closed).
func (q *resizeQueue) Next() *remotecommand.TerminalSize {
	var size remotecommand.TerminalSize
	if err := q.dec.Decode(&size); err != nil {
		return nil
	}
	return &size
}
