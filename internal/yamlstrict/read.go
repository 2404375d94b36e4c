package yamlstrict

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Read parses src, the whole of the file named file. It returns the root of
// the file's first document, nil when the file holds none (it is empty or
// only comments), and the start of a second document when there is one:
// every format read through this package is one document, and its decoder
// refuses a second in the format's own words. A syntax error, or input that
// makes yaml.v3 panic, is added to errs and ok is false.
func Read(file string, src []byte, errs *List) (root, extra *yaml.Node, ok bool) {
	defer func() {
		if r := recover(); r != nil { // yaml.v3 has panicked on hostile input before
			errs.Add(file, 1, 1, "the file is not valid YAML", "check that it is the file you meant")
			root, extra, ok = nil, nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, true
		}
		syntaxError(file, err, errs)
		return nil, nil, false
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		extra = &next
	case !errors.Is(err, io.EOF):
		syntaxError(file, err, errs)
		return nil, nil, false
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, extra, true
		}
		return doc.Content[0], extra, true
	}
	return &doc, extra, true
}

var syntaxLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError adds a yaml.v3 syntax error ("yaml: line 3: did not find
// expected key") to errs at its line. yaml.v3 gives no column, so it is 1.
func syntaxError(file string, err error, errs *List) {
	msg := err.Error()
	line := 1
	if m := syntaxLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	errs.Add(file, line, 1, "invalid YAML: "+msg, "check the indentation and quoting on this line and the one before")
}
