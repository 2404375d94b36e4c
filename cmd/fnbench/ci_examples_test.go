package main

// The CI examples (action.yml and examples/ci/) call fnbench from shell
// scripts that no compiler sees. These tests read every `fnbench …` command
// line out of them and check it against the real command tree: each
// sub-command must exist, and each flag must be defined on it.

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// repoRoot is the repository's root, from this package's directory.
const repoRoot = "../.."

// ciCommand is one fnbench command line found in a CI file.
type ciCommand struct {
	File string   // the file, from the repository root
	Line int      // 1-based line of the word "fnbench" in File
	Text string   // the command as written, continuation lines joined
	Args []shWord // the words after "fnbench"
}

func (c ciCommand) String() string { return fmt.Sprintf("%s:%d: `%s`", c.File, c.Line, c.Text) }

// shWord is a shell word with its quotes removed. Expansions ($VAR, ${…},
// $(…), `…`, GitHub's ${{ … }}) are kept as written and make the word
// opaque: its value is not known here.
type shWord struct {
	Text   string
	Opaque bool
}

// TestCIExamplesUseRealCommandsAndFlags is the guard: every fnbench command
// in action.yml and examples/ci/ names a real sub-command and real flags.
func TestCIExamplesUseRealCommandsAndFlags(t *testing.T) {
	files := ciExampleFiles(t)
	root := newRoot(io.Discard, io.Discard)
	for _, file := range files {
		cmds, err := ciFileCommands(file)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(cmds) == 0 && !strings.HasSuffix(file, ".md") {
			t.Errorf("%s: no fnbench command found in its run:/script: entries; the extractor or the file is wrong", file)
		}
		for _, c := range cmds {
			problems := checkFnbenchCommand(root, c)
			for _, p := range problems {
				t.Errorf("%s: %s", c, p)
			}
			if len(problems) == 0 {
				t.Logf("ok %s", c)
			}
		}
		t.Logf("%s: %d fnbench commands checked", file, len(cmds))
	}
}

// ciExampleFiles lists action.yml, the README (its CI gates section and
// every other sh block) and every file in examples/ci/, by their paths
// from the repository root.
func ciExampleFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"action.yml", "README.md"}
	entries, err := os.ReadDir(filepath.Join(repoRoot, "examples", "ci"))
	if err != nil {
		t.Fatalf("examples/ci: %v", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			files = append(files, path.Join("examples", "ci", e.Name()))
		}
	}
	for _, want := range []string{"examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml"} {
		if !slices.Contains(files, want) {
			t.Errorf("%s is missing", want)
		}
	}
	return files
}

// ciFileCommands reads one file (a path from the repository root) and
// returns its fnbench commands: YAML files are parsed as YAML (a file that
// does not parse is an error), Markdown files contribute their sh and bash
// code blocks.
func ciFileCommands(file string) ([]ciCommand, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(file)))
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(path.Ext(file)) {
	case ".yml", ".yaml":
		return yamlCommands(file, data)
	case ".md":
		return markdownCommands(file, string(data)), nil
	}
	return nil, fmt.Errorf("%s: neither YAML nor Markdown; the CI examples test does not know how to read it", file)
}

// yamlCommands finds the fnbench commands of a GitHub Actions workflow or
// action (run: scripts, and the args of a step that uses fnbench's own
// action, which go to fnbench run) or of a GitLab CI file (script,
// before_script, after_script: a string or a list of them).
func yamlCommands(file string, data []byte) ([]ciCommand, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %v", file, err)
	}
	var out []ciCommand
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch k.Value {
				case "run":
					if v.Kind == yaml.ScalarNode {
						out = append(out, fnbenchCommands(file, scalarLine(v), v.Value)...)
						continue
					}
				case "script", "before_script", "after_script":
					for _, s := range scriptScalars(v) {
						out = append(out, fnbenchCommands(file, scalarLine(s), s.Value)...)
					}
					continue
				}
				walk(v)
			}
			out = append(out, actionArgsCommand(file, n)...)
		}
		// Aliases are skipped: their anchor is walked where it is defined.
	}
	walk(&doc)
	return out, nil
}

// scriptScalars flattens a GitLab script: a string, or a list of strings
// and lists. A !reference points elsewhere in the file and is skipped.
func scriptScalars(n *yaml.Node) []*yaml.Node {
	if n.Tag == "!reference" {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range n.Content {
			out = append(out, scriptScalars(c)...)
		}
		return out
	}
	return nil
}

// actionUses matches a step that uses fnbench's action: fnbench/fnbench@ref,
// or the repository itself (./).
var actionUses = regexp.MustCompile(`(?i)^(fnbench/fnbench@.+|\./?)$`)

// actionArgsCommand turns the args input of a step using fnbench's action
// into the fnbench run command the action makes of it.
func actionArgsCommand(file string, step *yaml.Node) []ciCommand {
	uses, with := mapValue(step, "uses"), mapValue(step, "with")
	if uses == nil || with == nil || !actionUses.MatchString(uses.Value) {
		return nil
	}
	args := mapValue(with, "args")
	if args == nil || args.Kind != yaml.ScalarNode {
		return nil
	}
	scenario := "SCENARIO"
	if s := mapValue(with, "scenario"); s != nil && s.Kind == yaml.ScalarNode {
		scenario = s.Value
	}
	script := "fnbench run " + shQuote(scenario) + " " + strings.ReplaceAll(args.Value, "\n", " ")
	cmds := fnbenchCommands(file, scalarLine(args), script)
	for i := range cmds {
		cmds[i].Text += "  (the action's args input)"
	}
	return cmds
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// scalarLine is the line a scalar's text starts on: a block scalar (| or >)
// starts on the line after its indicator.
func scalarLine(n *yaml.Node) int {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line + 1
	}
	return n.Line
}

// markdownFence matches the opening of a shell code block.
var markdownFence = regexp.MustCompile("^\\s*```+\\s*(sh|bash|shell)\\s*$")

// markdownCommands finds the fnbench commands in a Markdown file's sh,
// bash and shell code blocks.
func markdownCommands(file, text string) []ciCommand {
	var out []ciCommand
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		if !markdownFence.MatchString(lines[i]) {
			continue
		}
		start := i + 1
		for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
		}
		out = append(out, fnbenchCommands(file, start+1, strings.Join(lines[start:min(i, len(lines))], "\n"))...)
	}
	return out
}

// fnbenchCommands finds the fnbench commands of a shell script whose first
// line is line firstLine of file: every simple command (between newlines,
// ;, &, &&, |, ||, ( and )) whose command word is fnbench or a path ending
// in /fnbench, after any variable assignments and words like if, then, !,
// time, env or exec; also inside $(…) and `…`. Comments, redirections and
// here-documents are left out; `\` continues a line.
func fnbenchCommands(file string, firstLine int, script string) []ciCommand {
	lx := &shLexer{src: script}
	lx.run()
	var out []ciCommand
	var cmd []shToken
	flush := func() {
		if c, ok := lx.command(cmd); ok {
			c.File, c.Line = file, firstLine+lx.lineOf(c.Line)
			out = append(out, c)
		}
		cmd = cmd[:0]
	}
	for _, tok := range lx.toks {
		if tok.kind == tokSep {
			flush()
			continue
		}
		cmd = append(cmd, tok)
	}
	flush()
	for _, sub := range lx.subs {
		out = append(out, fnbenchCommands(file, firstLine+lx.lineOf(sub.at), sub.body)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// Token kinds of the shell lexer.
const (
	tokWord     = iota + 1
	tokSep      // ends a simple command: newline ; ;; & && | || |& ( )
	tokRedirect // < > >> 2>&1 <<EOF …: the next word is its target
)

type shToken struct {
	kind       int
	word       shWord
	start, end int // byte offsets in the script
}

// shSub is the body of a command substitution, scanned as a script.
type shSub struct {
	body string
	at   int // offset of the body in the outer script
}

// shLexer splits a shell script into words and operators, the way a POSIX
// shell does for what CI scripts contain. It is no shell: it only has to
// find command words and flags.
type shLexer struct {
	src     string
	i       int
	toks    []shToken
	subs    []shSub
	heredoc bool     // the next word is a here-document's delimiter
	pending []string // delimiters of here-documents that start on the next line
}

func (l *shLexer) lineOf(offset int) int { return strings.Count(l.src[:min(offset, len(l.src))], "\n") }

func (l *shLexer) emit(kind int, w shWord, start, end int) {
	l.toks = append(l.toks, shToken{kind: kind, word: w, start: start, end: end})
}

func (l *shLexer) run() {
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			l.i++
		case c == '\\' && l.i+1 < len(l.src) && l.src[l.i+1] == '\n':
			l.i += 2
		case c == '\n':
			l.emit(tokSep, shWord{Text: "\n"}, l.i, l.i+1)
			l.i++
			l.skipHeredocs()
		case c == '#':
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.i++
			}
		case c == '<' || c == '>' || c == '&' && l.at(1) == '>' || isDigit(c) && l.digitsThenRedirect():
			l.redirect()
		case strings.IndexByte(";&|()", c) >= 0:
			n := 1
			if (c == ';' || c == '&' || c == '|') && l.at(1) == c || c == '|' && l.at(1) == '&' {
				n = 2
			}
			l.emit(tokSep, shWord{Text: l.src[l.i : l.i+n]}, l.i, l.i+n)
			l.i += n
		default:
			l.word()
		}
	}
}

// at is the byte k after the current one, or 0 past the end.
func (l *shLexer) at(k int) byte {
	if l.i+k < len(l.src) {
		return l.src[l.i+k]
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitsThenRedirect reports whether the word here is a file descriptor
// number followed by < or > (as in 2>&1).
func (l *shLexer) digitsThenRedirect() bool {
	j := l.i
	for j < len(l.src) && isDigit(l.src[j]) {
		j++
	}
	return j < len(l.src) && (l.src[j] == '<' || l.src[j] == '>')
}

// redirect reads a redirection operator; the word after it is its target.
func (l *shLexer) redirect() {
	start := l.i
	for l.i < len(l.src) && isDigit(l.src[l.i]) {
		l.i++
	}
	for _, op := range []string{"<<<", "<<-", "&>>", "<<", "<>", "<&", ">>", ">&", ">|", "&>", "<", ">"} {
		if strings.HasPrefix(l.src[l.i:], op) {
			l.i += len(op)
			l.heredoc = op == "<<" || op == "<<-"
			break
		}
	}
	l.emit(tokRedirect, shWord{Text: l.src[start:l.i]}, start, l.i)
}

// skipHeredocs skips the bodies of the here-documents started on the line
// just ended, each up to its delimiter alone on a line (leading and trailing
// blanks allowed, as <<- allows tabs).
func (l *shLexer) skipHeredocs() {
	for _, delim := range l.pending {
		for l.i < len(l.src) {
			end := strings.IndexByte(l.src[l.i:], '\n')
			if end < 0 {
				end = len(l.src) - l.i
			}
			line := l.src[l.i : l.i+end]
			l.i = min(l.i+end+1, len(l.src))
			if strings.TrimSpace(line) == delim {
				break
			}
		}
	}
	l.pending = nil
}

// word reads one word: quotes are removed, escapes resolved, expansions
// kept as written.
func (l *shLexer) word() {
	start := l.i
	var b strings.Builder
	opaque := false
	for l.i < len(l.src) {
		c := l.src[l.i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || strings.IndexByte(";&|()<>", c) >= 0 {
			break
		}
		switch c {
		case '\\':
			if l.at(1) != '\n' && l.i+1 < len(l.src) {
				b.WriteByte(l.src[l.i+1])
			}
			l.i += 2
		case '\'':
			end := strings.IndexByte(l.src[l.i+1:], '\'')
			if end < 0 {
				end = len(l.src) - l.i - 1
			}
			b.WriteString(l.src[l.i+1 : l.i+1+end])
			l.i += end + 2
		case '"':
			l.i++
			for l.i < len(l.src) && l.src[l.i] != '"' {
				switch d := l.src[l.i]; {
				case d == '\\' && strings.IndexByte("\"\\$`\n", l.at(1)) >= 0 && l.at(1) != 0:
					if l.at(1) != '\n' {
						b.WriteByte(l.at(1))
					}
					l.i += 2
				case d == '$' || d == '`':
					text, exp := l.expansion()
					b.WriteString(text)
					opaque = opaque || exp
				default:
					b.WriteByte(d)
					l.i++
				}
			}
			l.i++
		case '$', '`':
			text, exp := l.expansion()
			b.WriteString(text)
			opaque = opaque || exp
		default:
			b.WriteByte(c)
			l.i++
		}
	}
	l.i = min(l.i, len(l.src))
	w := shWord{Text: b.String(), Opaque: opaque}
	if l.heredoc {
		l.heredoc = false
		l.pending = append(l.pending, w.Text)
	}
	l.emit(tokWord, w, start, l.i)
}

// expansion reads what starts at a $ or a backquote, and reports whether
// it expands (a lone $ is a dollar sign).
func (l *shLexer) expansion() (string, bool) {
	start := l.i
	rest := l.src[l.i:]
	switch {
	case strings.HasPrefix(rest, "${{"):
		end := strings.Index(rest, "}}")
		if end < 0 {
			end = len(rest) - 2
		}
		l.i += end + 2
	case strings.HasPrefix(rest, "$(("):
		l.i = l.closing(l.i+1, '(', ')') + 1
	case strings.HasPrefix(rest, "$("):
		end := l.closing(l.i+1, '(', ')')
		l.subs = append(l.subs, shSub{body: l.src[l.i+2 : min(end, len(l.src))], at: l.i + 2})
		l.i = end + 1
	case strings.HasPrefix(rest, "${"):
		l.i = l.closing(l.i+1, '{', '}') + 1
	case rest[0] == '`':
		end := l.i + 1
		for end < len(l.src) && l.src[end] != '`' {
			if l.src[end] == '\\' {
				end++
			}
			end++
		}
		l.subs = append(l.subs, shSub{body: l.src[l.i+1 : min(end, len(l.src))], at: l.i + 1})
		l.i = end + 1
	case len(rest) > 1 && (rest[1] == '_' || isDigit(rest[1]) || rest[1]|0x20 >= 'a' && rest[1]|0x20 <= 'z'):
		l.i++
		if isDigit(l.src[l.i]) {
			l.i++
			break
		}
		for l.i < len(l.src) && (l.src[l.i] == '_' || isDigit(l.src[l.i]) || l.src[l.i]|0x20 >= 'a' && l.src[l.i]|0x20 <= 'z') {
			l.i++
		}
	case len(rest) > 1 && strings.IndexByte("@*#?$!-", rest[1]) >= 0:
		l.i += 2
	default:
		l.i++
		return "$", false
	}
	l.i = min(l.i, len(l.src))
	return l.src[start:l.i], true
}

// closing finds the bracket that closes the one at open, across nesting,
// quotes and escapes; len(src) when there is none.
func (l *shLexer) closing(open int, left, right byte) int {
	depth := 0
	for j := open; j < len(l.src); j++ {
		switch c := l.src[j]; c {
		case '\\':
			j++
		case '\'':
			if left == '(' {
				if k := strings.IndexByte(l.src[j+1:], '\''); k >= 0 {
					j += k + 1
				}
			}
		case '"':
			for j++; j < len(l.src) && l.src[j] != '"'; j++ {
				if l.src[j] == '\\' {
					j++
				}
			}
		case left:
			depth++
		case right:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(l.src)
}

// shPrefixes are the words a command word may follow in the same simple
// command.
var shPrefixes = []string{"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time", "command", "exec", "env", "nohup", "sudo"}

var shAssignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=`)

// command turns one simple command's tokens into a ciCommand if its command
// word is fnbench. Its Line is, for now, the offset of that word.
func (l *shLexer) command(toks []shToken) (ciCommand, bool) {
	var words []shToken
	for k := 0; k < len(toks); k++ {
		switch toks[k].kind {
		case tokRedirect:
			k++ // and its target
		case tokWord:
			words = append(words, toks[k])
		}
	}
	k := 0
	for k < len(words) {
		w := words[k].word
		switch {
		case slices.Contains(shPrefixes, w.Text) && !w.Opaque, shAssignment.MatchString(w.Text):
			k++
			continue
		case w.Text == "timeout" && !w.Opaque:
			k += 2 // and its duration
			continue
		}
		break
	}
	if k >= len(words) || path.Base(words[k].word.Text) != "fnbench" {
		return ciCommand{}, false
	}
	c := ciCommand{Line: words[k].start}
	end := toks[len(toks)-1].end
	text := strings.ReplaceAll(l.src[words[k].start:end], "\\\n", " ")
	c.Text = strings.Join(strings.Fields(text), " ")
	for _, w := range words[k+1:] {
		c.Args = append(c.Args, w.word)
	}
	return c, true
}

// checkFnbenchCommand lists what in c the command tree under root does not
// define: an unknown sub-command, an unknown flag, a flag without its value.
func checkFnbenchCommand(root *cobra.Command, c ciCommand) []string {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	cmd := root
	var problems []string
	leaf := false // a positional argument was seen: no more sub-commands
	for i := 0; i < len(c.Args); i++ {
		w := c.Args[i]
		switch {
		case w.Text == "--" && !w.Opaque:
			return problems // the rest are arguments
		case strings.HasPrefix(w.Text, "-") && w.Text != "-":
			needsValue, p := checkFlag(cmd, w.Text)
			if p != "" {
				problems = append(problems, p)
			}
			if needsValue {
				if i+1 >= len(c.Args) {
					problems = append(problems, fmt.Sprintf("flag %s of %q needs a value", w.Text, cmd.CommandPath()))
				}
				i++
			}
		case leaf || !cmd.HasSubCommands():
			leaf = true
		case w.Opaque:
			return append(problems, fmt.Sprintf("the sub-command %q is not literal; write it out so that it can be checked", w.Text))
		default:
			sub := findSubcommand(cmd, w.Text)
			if sub == nil {
				return append(problems, fmt.Sprintf("unknown command %q for %q (its commands: %s)", w.Text, cmd.CommandPath(), strings.Join(subcommandNames(cmd), ", ")))
			}
			cmd = sub
		}
	}
	if cmd == root && len(c.Args) > 0 && !strings.HasPrefix(c.Args[0].Text, "-") {
		problems = append(problems, "no sub-command")
	}
	return problems
}

// checkFlag checks one flag word (--name, --name=value, -x, -xVALUE) on
// cmd. needsValue says the next word is the flag's value.
func checkFlag(cmd *cobra.Command, word string) (needsValue bool, problem string) {
	cmd.InitDefaultHelpFlag()
	cmd.InitDefaultVersionFlag()
	if name, ok := strings.CutPrefix(word, "--"); ok {
		name, _, hasValue := strings.Cut(name, "=")
		if strings.ContainsAny(name, "$`") {
			return false, "" // the name is an expansion: unknown here
		}
		f := cmd.Flags().Lookup(name)
		if f == nil {
			f = cmd.InheritedFlags().Lookup(name)
		}
		if f == nil {
			return false, fmt.Sprintf("unknown flag --%s for %q (its flags: %s)", name, cmd.CommandPath(), flagNames(cmd))
		}
		return !hasValue && f.NoOptDefVal == "", ""
	}
	short := word[1:]
	for j := 0; j < len(short); j++ {
		ch := short[j]
		if ch == '$' || ch == '`' {
			return false, ""
		}
		if ch >= 0x80 || ch == '=' {
			return false, fmt.Sprintf("unknown shorthand flag %q in %s for %q (its flags: %s)", string(ch), word, cmd.CommandPath(), flagNames(cmd))
		}
		f := cmd.Flags().ShorthandLookup(string(ch))
		if f == nil {
			f = cmd.InheritedFlags().ShorthandLookup(string(ch))
		}
		if f == nil {
			in := ""
			if len(short) > 1 {
				in = " in " + word
			}
			return false, fmt.Sprintf("unknown shorthand flag -%c%s for %q (its flags: %s)", ch, in, cmd.CommandPath(), flagNames(cmd))
		}
		if f.NoOptDefVal == "" {
			return j == len(short)-1, "" // the value is the rest of the word, or the next word
		}
	}
	return false, ""
}

func findSubcommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, sub := range cmd.Commands() {
		if sub.Name() == name || sub.HasAlias(name) {
			return sub
		}
	}
	return nil
}

func subcommandNames(cmd *cobra.Command) []string {
	var out []string
	for _, sub := range cmd.Commands() {
		out = append(out, sub.Name())
	}
	return out
}

// flagUsage matches a flag in pflag's usage text: "  -o, --out string".
var flagUsage = regexp.MustCompile(`(?m)^\s+(?:-(\S), )?--([^\s=]+)`)

// flagNames lists cmd's visible flags, for a message.
func flagNames(cmd *cobra.Command) string {
	var out []string
	for _, m := range flagUsage.FindAllStringSubmatch(cmd.Flags().FlagUsages()+cmd.InheritedFlags().FlagUsages(), -1) {
		s := "--" + m[2]
		if m[1] != "" {
			s = "-" + m[1] + "/" + s
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(slices.Compact(out), " ")
}

// TestCICommandExtractor: what the extractor finds in a script with the
// shell constructs CI files use.
func TestCICommandExtractor(t *testing.T) {
	script := `set -eo pipefail
# fnbench run commented-out.yaml --bogus
echo "fnbench run not-a-command.yaml"   # an argument, not a command
FNBENCH_X=1 fnbench run "$SCENARIO" --out "$RUN_DIR" \
  --threshold "p99 < 500ms" \
  --threshold 'error_rate < 1%' "${th[@]}" 2>&1 | tee run.log
if ! fnbench check "$RUN_DIR" --format junit -o fnbench-junit.xml; then code=1; fi
summary=$(fnbench report "$RUN_DIR" --format md)
name="${{ inputs.x == 'a' && 'b' || 'c' }}" ./bin/fnbench compare a b --tolerance "${{ inputs.tolerance }}" >> "$GITHUB_STEP_SUMMARY"
cat <<END > notes.txt
fnbench run inside-a-heredoc.yaml --bogus
END
timeout 10m fnbench version && echo done
`
	cmds := fnbenchCommands("x.yml", 10, script)
	type want struct {
		line  int
		first string
		nargs int
	}
	wants := []want{
		{13, "run", 8},
		{16, "check", 5},
		{17, "report", 3},
		{18, "compare", 4},
		{22, "version", 0},
	}
	if len(cmds) != len(wants) {
		for _, c := range cmds {
			t.Logf("found %s %v", c, c.Args)
		}
		t.Fatalf("found %d commands, want %d", len(cmds), len(wants))
	}
	for i, w := range wants {
		c := cmds[i]
		if c.Line != w.line || len(c.Args) != w.nargs+1 || c.Args[0].Text != w.first {
			t.Errorf("command %d: %s %v; want line %d, %s with %d more words", i, c, c.Args, w.line, w.first, w.nargs)
		}
	}
	run := cmds[0]
	if got := run.Args[5].Text; got != "p99 < 500ms" {
		t.Errorf("quoted word: %q", got)
	}
	if w := run.Args[8]; w.Text != "${th[@]}" || !w.Opaque {
		t.Errorf("expansion: %+v", w)
	}
	if !strings.Contains(run.Text, `--threshold "p99 < 500ms" --threshold 'error_rate < 1%'`) {
		t.Errorf("continuation lines not joined: %s", run.Text)
	}
	if w := cmds[3].Args[4]; w.Text != "${{ inputs.tolerance }}" || !w.Opaque {
		t.Errorf("GitHub expression: %+v", w)
	}
	// A well-formed line passes the check.
	root := newRoot(io.Discard, io.Discard)
	ok := fnbenchCommands("x.yml", 1, `fnbench report "$RUN" --format=md -o "${{ runner.temp }}/r.md" --rps 10`)
	if len(ok) != 1 || len(checkFnbenchCommand(root, ok[0])) != 0 {
		t.Errorf("a good report line: %v", ok)
	}
}

// TestCICommandCheckerRejectsBadLines: made-up bad lines fail with the
// file, the line, the command and what is wrong.
func TestCICommandCheckerRejectsBadLines(t *testing.T) {
	root := newRoot(io.Discard, io.Discard)
	for _, tc := range []struct {
		script string
		want   []string
	}{
		{"fnbench run s.yaml --out d \\\n  --bogus-flag 3", []string{`unknown flag --bogus-flag for "fnbench run"`, "--out"}},
		{`x=$(fnbench frobnicate --json)`, []string{`unknown command "frobnicate" for "fnbench"`, "report"}},
		{`fnbench report r -Z`, []string{`unknown shorthand flag -Z for "fnbench report"`}},
		{`fnbench report r --format`, []string{`flag --format of "fnbench report" needs a value`}},
		{`fnbench "$CMD" r`, []string{`sub-command "$CMD" is not literal`}},
	} {
		cmds := fnbenchCommands("examples/ci/bad.yml", 7, tc.script)
		if len(cmds) != 1 {
			t.Errorf("%q: found %d commands, want 1", tc.script, len(cmds))
			continue
		}
		problems := checkFnbenchCommand(root, cmds[0])
		if len(problems) != 1 {
			t.Errorf("%q: problems %q, want one", tc.script, problems)
			continue
		}
		msg := fmt.Sprintf("%s: %s", cmds[0], problems[0])
		t.Log(msg)
		for _, w := range append([]string{"examples/ci/bad.yml:7: `fnbench "}, tc.want...) {
			if !strings.Contains(msg, w) {
				t.Errorf("message %q lacks %q", msg, w)
			}
		}
	}

	// The same through a YAML file: the line is the file's.
	doc := "jobs:\n  j:\n    steps:\n      - run: |\n          echo hi\n          fnbench compare a b --tolerence p99=5%\n      - uses: fnbench/fnbench@v1\n        with:\n          scenario: s.yaml\n          args: --set seed=1 --seeed 2\n"
	cmds, err := yamlCommands("examples/ci/bad.yml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, c := range cmds {
		for _, p := range checkFnbenchCommand(root, c) {
			msgs = append(msgs, fmt.Sprintf("%s: %s", c, p))
		}
	}
	want := []string{
		"examples/ci/bad.yml:6: `fnbench compare a b --tolerence p99=5%`: unknown flag --tolerence for \"fnbench compare\"",
		"examples/ci/bad.yml:10: `fnbench run 's.yaml' --set seed=1 --seeed 2  (the action's args input)`: unknown flag --seeed for \"fnbench run\"",
	}
	if len(msgs) != len(want) {
		t.Fatalf("messages:\n%s\nwant %d", strings.Join(msgs, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(msgs[i], want[i]) {
			t.Errorf("message\n  %s\nwant it to start with\n  %s", msgs[i], want[i])
		}
	}
	if _, err := yamlCommands("examples/ci/bad.yml", []byte("jobs: [\n")); err == nil || !strings.Contains(err.Error(), "examples/ci/bad.yml: not valid YAML") {
		t.Errorf("bad YAML: %v", err)
	}
}

// TestActionMetadata: action.yml is the composite action the README
// promises, with its inputs and outputs.
func TestActionMetadata(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Name   string
		Inputs map[string]struct {
			Required bool
			Default  *string
		}
		Outputs map[string]struct{ Value string }
		Runs    struct {
			Using string
			Steps []struct {
				ID   string
				If   string
				Uses string
				Run  string
			}
		}
	}
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Errorf("action.yml: runs.using %q, want composite", a.Runs.Using)
	}
	for _, in := range []string{"scenario", "baseline", "thresholds", "tolerance", "go-version", "args"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("action.yml: no input %q", in)
		}
	}
	if !a.Inputs["scenario"].Required {
		t.Error("action.yml: input scenario is not required")
	}
	if d := a.Inputs["go-version"].Default; d == nil || *d != "1.26" {
		t.Errorf("action.yml: go-version's default is %v, want 1.26", d)
	}
	for _, out := range []string{"run-dir", "exit-code"} {
		if a.Outputs[out].Value == "" {
			t.Errorf("action.yml: no output %q", out)
		}
	}
	uses := map[string]bool{}
	for _, s := range a.Runs.Steps {
		name, _, _ := strings.Cut(s.Uses, "@")
		uses[name] = true
		if name == "actions/upload-artifact" && !strings.Contains(s.If, "always()") {
			t.Errorf("action.yml: an upload step runs only on success (if: %q); it must run when a gate fails", s.If)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("action.yml: step %q puts an expression in its script; pass it through env: instead", s.ID)
		}
	}
	for _, u := range []string{"actions/setup-go", "actions/upload-artifact", "actions/download-artifact"} {
		if !uses[u] {
			t.Errorf("action.yml: no step uses %s", u)
		}
	}
	if len(a.Runs.Steps) == 0 {
		t.Fatal("action.yml: no steps")
	}
	last := a.Runs.Steps[len(a.Runs.Steps)-1]
	if !strings.Contains(last.If, "always()") || !strings.Contains(last.Run, `exit "$code"`) {
		t.Errorf("action.yml: the last step must always run and exit with fnbench's code; it is if: %q", last.If)
	}
}

// TestGitLabExampleReportsJUnit: the GitLab job writes the JUnit report it
// declares.
func TestGitLabExampleReportsJUnit(t *testing.T) {
	const file = "examples/ci/gitlab-ci.yml"
	data, err := os.ReadFile(filepath.Join(repoRoot, file))
	if err != nil {
		t.Fatal(err)
	}
	var jobs map[string]any
	if err := yaml.Unmarshal(data, &jobs); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	declared := false
	for _, j := range jobs {
		var job struct {
			Artifacts struct {
				Reports struct{ Junit []string }
			}
		}
		b, _ := yaml.Marshal(j)
		if yaml.Unmarshal(b, &job) == nil && slices.Contains(job.Artifacts.Reports.Junit, "fnbench-junit.xml") {
			declared = true
		}
	}
	if !declared {
		t.Errorf("%s: no job declares fnbench-junit.xml under artifacts:reports:junit", file)
	}
	cmds, err := ciFileCommands(file)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cmds {
		if len(c.Args) == 0 {
			continue
		}
		seen[c.Args[0].Text] = true
		if c.Args[0].Text == "check" && strings.Contains(c.Text, "--format junit -o fnbench-junit.xml") {
			seen["check … --format junit -o fnbench-junit.xml"] = true
		}
	}
	for _, want := range []string{"run", "check … --format junit -o fnbench-junit.xml", "compare"} {
		if !seen[want] {
			t.Errorf("%s: no `fnbench %s` command", file, want)
		}
	}
}
