package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// protocol is how a tool reaches the loopback server.
type protocol string

const (
	protoHTTP   protocol = "http"   // plain HTTP/1.1
	protoHTTPS1 protocol = "https1" // HTTPS, the server offering only http/1.1
	protoH2     protocol = "h2"     // HTTPS, the server offering only h2
)

// protocols are the paths of the matrix, in the order the tables list them.
var protocols = []protocol{protoHTTP, protoHTTPS1, protoH2}

func (p protocol) label() string {
	return map[protocol]string{protoHTTP: "HTTP/1.1", protoHTTPS1: "HTTPS/1.1", protoH2: "HTTPS h2"}[p]
}

func (p protocol) tls() bool { return p != protoHTTP }

// h2MaxStreams is the server's limit of concurrent streams per HTTP/2
// connection: net/http's default, stated so that BENCHMARKS.md can say it.
// Past it a client must open more connections.
const h2MaxStreams = 250

// serve is the `fnbench-bench serve` process: the loopback server every
// tool is measured against. It prints its URL on stdout once it accepts.
//
// Plain HTTP/1.1 is a hand-written loop with no per-request allocation, so
// that at tens of thousands of requests a second the tools are measured
// rather than the server. HTTPS is net/http with a self-signed ECDSA
// certificate made at start (written as PEM to -cert for the tools to
// trust); each TLS mode offers one protocol only, so a tool that negotiates
// the other fails loudly instead of measuring the wrong path. The delay is
// slept where the request is handled: per connection for HTTP/1.1, per
// stream for h2, so the server holds exactly the requests in flight.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	proto := fs.String("proto", string(protoHTTP), "http, https1 or h2")
	delay := fs.Duration("delay", 0, "answer each request after this long")
	certFile := fs.String("cert", "", "where to write the PEM certificate (https1, h2)")
	fs.Parse(args)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	p := protocol(*proto)
	switch p {
	case protoHTTP:
		fmt.Printf("http://%s/\n", ln.Addr())
		return servePlain(ln, *delay)
	case protoHTTPS1, protoH2:
		if *certFile == "" {
			return fmt.Errorf("serve -proto %s needs -cert FILE for the certificate", p)
		}
		cert, err := writeSelfSigned(*certFile)
		if err != nil {
			return err
		}
		fmt.Printf("https://%s/\n", ln.Addr())
		return serveTLS(ln, p, cert, *delay)
	}
	return fmt.Errorf("serve -proto %q: use http, https1 or h2", *proto)
}

// servePlain accepts plain HTTP/1.1 connections, one goroutine each.
func servePlain(ln net.Listener, delay time.Duration) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go servePlainConn(c, delay)
	}
}

var okResponse = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")

// servePlainConn answers every request on c: it reads the head up to its
// blank line, skips a Content-Length body, sleeps the delay and writes the
// canned response. No client pipelines, so sleeping in line is exact.
func servePlainConn(c net.Conn, delay time.Duration) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	for {
		var bodyLen int64
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				break
			}
			if len(line) > 15 && (line[0] == 'C' || line[0] == 'c') && strings.EqualFold(string(line[:15]), "content-length:") {
				bodyLen, _ = strconv.ParseInt(strings.TrimSpace(string(line[15:])), 10, 64)
			}
		}
		if bodyLen > 0 {
			if _, err := br.Discard(int(bodyLen)); err != nil {
				return
			}
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		if _, err := c.Write(okResponse); err != nil {
			return
		}
	}
}

var textPlain = []string{"text/plain"}

// serveTLS serves HTTPS with net/http, offering only p's protocol.
func serveTLS(ln net.Listener, p protocol, cert tls.Certificate, delay time.Duration) error {
	var protos http.Protocols
	if p == protoH2 {
		protos.SetHTTP2(true)
	} else {
		protos.SetHTTP1(true)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if delay > 0 {
				time.Sleep(delay)
			}
			w.Header()["Content-Type"] = textPlain
			w.Write(okResponse[len(okResponse)-2:])
		}),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		Protocols: &protos,
		HTTP2:     &http.HTTP2Config{MaxConcurrentStreams: h2MaxStreams},
		// A collapsing client leaves thousands of half-done handshakes;
		// their errors say nothing the tables do not.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	return srv.ServeTLS(ln, "", "")
}

// writeSelfSigned makes an ECDSA P-256 certificate for 127.0.0.1 and
// localhost that is its own CA, and writes it as PEM to certFile: the file
// fnbench reads through SSL_CERT_FILE and vegeta through -root-certs.
func writeSelfSigned(certFile string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "fnbench-bench loopback"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, block, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("writing the certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// server is a running `fnbench-bench serve` process, seen from the harness.
type server struct {
	name     string // for progress lines
	proto    protocol
	delay    time.Duration
	url      string
	certFile string // PEM of the certificate; "" for plain HTTP
	cmd      *exec.Cmd
}

// startServer starts the loopback server in a process of its own, so that
// its CPU is apart from the tools' and can be read from /proc.
func startServer(proto protocol, delay time.Duration, work string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	s := &server{name: proto.label() + " " + delayLabel(delay), proto: proto, delay: delay}
	args := []string{"serve", "-proto", string(proto), "-delay", delay.String()}
	if proto.tls() {
		s.certFile = certPath(work)
		args = append(args, "-cert", s.certFile)
	}
	s.cmd = exec.Command(self, args...)
	s.cmd.Stderr = os.Stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("the %s server did not start: %v", proto.label(), err)
	}
	s.url = strings.TrimSpace(line)
	return s, nil
}

// certPath is where TLS servers write their certificate: one file, since
// one server runs at a time.
func certPath(work string) string { return filepath.Join(work, "tls-cert.pem") }

// cpu is the server's user+system CPU so far.
func (s *server) cpu() time.Duration { return processCPU(s.cmd.Process.Pid) }

// client is a net/http client that trusts the server's certificate and
// speaks its protocol.
func (s *server) client() (*http.Client, error) {
	tr := &http.Transport{ForceAttemptHTTP2: s.proto == protoH2}
	if s.proto.tls() {
		pemBytes, err := os.ReadFile(s.certFile)
		if err != nil {
			return nil, err
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(pemBytes)
		tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}, nil
}

func (s *server) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}
