package attack

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Markers in an Invoke payload, as the sample functions answer a direct
// invoke (issue 13, fault 9).
func TestParsePayloadMarkers(t *testing.T) {
	cold := markers{present: true, cold: true, instance: "abc", init: 51200 * time.Microsecond}
	for _, c := range []struct {
		name, body string
		want       markers
	}{
		{"sample, cold", `{"cold":true,"instance":"abc","init_ms":51.2}`, cold},
		{"sample, warm", `{"cold":false,"instance":"abc"}`, markers{present: true, instance: "abc"}},
		{"keys in any order, other keys, whitespace", " \n{\"x\":[1,{\"cold\":false}],\"init_ms\":51.2,\"instance\":\"abc\",\"cold\":true}", cold},
		{"a proxy response's headers", `{"statusCode":200,"headers":{"Fnbench-Cold":"true","fnbench-instance":"abc","Fnbench-Init-Ms":"51.2"},"body":"hi"}`, cold},
		{"cut off after the markers", `{"cold":true,"instance":"abc","init_ms":51.2,"data":"xxxxxxx`, cold},
		{"cut off before cold", `{"instance":"abc","da`, markers{}},
		{"no cold key", `{"instance":"abc","init_ms":51.2}`, markers{}},
		{"cold not a bool", `{"cold":"true"}`, markers{}},
		{"nested cold is not read", `{"result":{"cold":true}}`, markers{}},
		{"not an object", `[{"cold":true}]`, markers{}},
		{"a JSON string", `"{\"cold\":true}"`, markers{}},
		{"negative init is left out", `{"cold":true,"init_ms":-5}`, markers{present: true, cold: true}},
		{"empty", ``, markers{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m markers
			m.parsePayload([]byte(c.body))
			if m != c.want {
				t.Errorf("got %+v, want %+v", m, c.want)
			}
		})
	}
}

// The HTTP/1.1 reader reads payload markers from the head of a successful
// body, Content-Length or chunked, only when they are wanted and no marker
// header came.
func TestReadH1ResponsePayloadMarkers(t *testing.T) {
	payload := `{"cold":true,"instance":"abc","init_ms":51.2}`
	lengthResp := "HTTP/1.1 200 OK\r\nContent-Length: " + itoa(len(payload)) + "\r\n\r\n" + payload
	chunkedResp := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + payload[:16] + "\r\n" + hexLen(len(payload)-16) + "\r\n" + payload[16:] + "\r\n0\r\n\r\n"
	headerResp := "HTTP/1.1 200 OK\r\nFnbench-Cold: false\r\nContent-Length: " + itoa(len(payload)) + "\r\n\r\n" + payload
	errResp := "HTTP/1.1 500 Error\r\nContent-Length: " + itoa(len(payload)) + "\r\n\r\n" + payload
	for _, c := range []struct {
		name, in string
		want     signals
		cold     bool
		present  bool
	}{
		{"content-length", lengthResp, signals{wantPayload: true}, true, true},
		{"not wanted", lengthResp, signals{}, false, false},
		// Only the first chunk's head is read: here it holds "cold".
		{"chunked", chunkedResp, signals{wantPayload: true}, true, true},
		{"a marker header wins", headerResp, signals{wantPayload: true}, false, true},
		{"an error's body is not markers", errResp, signals{wantPayload: true}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := readH1Response(bufio.NewReader(strings.NewReader(c.in)), false, c.want)
			if err != nil {
				t.Fatal(err)
			}
			if r.markers.present != c.present || r.markers.cold != c.cold {
				t.Errorf("markers %+v, want present %v cold %v", r.markers, c.present, c.cold)
			}
			if r.bodySize != int64(len(payload)) {
				t.Errorf("body %d bytes, want %d", r.bodySize, len(payload))
			}
		})
	}
}

func itoa(n int) string   { return strconv.Itoa(n) }
func hexLen(n int) string { return strconv.FormatInt(int64(n), 16) }

// FuzzParsePayload: no body makes the payload reader panic, and what it
// reads is within bounds.
func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{
		`{"cold":true,"instance":"abc","init_ms":51.2}`,
		`{"headers":{"Fnbench-Cold":"true"}}`,
		`{"cold":false,"x":[1,2,{"y":null}]}`,
		`{"cold":true,"init_ms":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m markers
		m.parsePayload(b)
		if m.init < 0 || len(m.instance) > 256 || (!m.present && (m.cold || m.instance != "" || m.init != 0)) {
			t.Fatalf("markers %+v from %q", m, b)
		}
	})
}
