package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// The request journal's subcommands: requests, har, curl, capture. They
// decode the admin API's own types (runtimehooks/admin/api).

// journalQuery turns KEY=VALUE filters (side, site, host, status,
// method, path, min) into a query string.
func journalQuery(args []string) (string, error) {
	q := url.Values{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		switch {
		case !ok:
			return "", fmt.Errorf("filter %q: want KEY=VALUE (side, site, host, status, method, path, min)", a)
		case k == "side" || k == "site" || k == "host" || k == "status" || k == "method" || k == "path" || k == "min":
			q.Set(k, v)
		default:
			return "", fmt.Errorf("unknown filter %q; want side, site, host, status, method, path or min", k)
		}
	}
	if len(q) == 0 {
		return "", nil
	}
	return "?" + q.Encode(), nil
}

func ctlRequests(c *adminClient, args []string, o *ctlOpts) error {
	q, err := journalQuery(args)
	if err != nil {
		return err
	}
	var res api.Requests
	if ok, err := c.fetch("/v1/requests"+q, &res, o); !ok {
		return err
	}
	if len(res.Requests) == 0 {
		fmt.Fprintf(o.out, "no requests in the journal (size %d, %d dropped)\n", res.Size, res.Dropped)
		return nil
	}
	tw := newTable(o.out, "ID\tTIME\tSIDE\tMETHOD\tURL\tSTATUS\tPROTO\tREUSED\tDURATION\tSITE\tDIAGNOSTICS")
	for _, x := range res.Requests {
		status := strconv.Itoa(x.Status)
		if x.Error != "" {
			status = "error: " + x.Error
		} else if x.Status == 0 {
			status = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1fms\t%s\t%s\n", x.ID, x.Start.Local().Format("15:04:05.000"), x.Side,
			x.Method, x.URL, status, orDash(x.Proto), reusedText(&x), x.Time, orDash(x.Site), orDash(strings.Join(x.Diagnostics, ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.Dropped > 0 {
		fmt.Fprintf(o.out, "(the journal keeps the latest %d; %d older dropped)\n", res.Size, res.Dropped)
	}
	return nil
}

func reusedText(x *api.Exchange) string {
	if x.Side == "server" {
		return "-"
	}
	if x.Reused {
		return "yes"
	}
	return "no"
}

func ctlHAR(c *adminClient, args []string, o *ctlOpts) error {
	var file string
	var filters []string
	for _, a := range args {
		if strings.Contains(a, "=") {
			filters = append(filters, a)
		} else if file == "" {
			file = a
		} else {
			return errors.New("want [FILE] [KEY=VALUE filters]")
		}
	}
	q, err := journalQuery(filters)
	if err != nil {
		return err
	}
	data, err := c.call("GET", "/v1/har"+q, nil)
	if err != nil {
		return err
	}
	if file == "" || file == "-" {
		_, err = o.out.Write(data)
		return err
	}
	var h probes.HARLog
	if err := json.Unmarshal(data, &h); err != nil {
		return err
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "%d entries written to %s\n", len(h.Log.Entries), file)
	return nil
}

func ctlCurl(c *adminClient, args []string, o *ctlOpts) error {
	if len(args) != 1 {
		return errors.New("want a request ID (from ctl requests)")
	}
	if _, err := strconv.ParseUint(args[0], 10, 64); err != nil {
		return fmt.Errorf("request ID %q: want a number (from ctl requests)", args[0])
	}
	data, err := c.call("GET", "/v1/requests/"+args[0]+"/curl", nil)
	if err != nil {
		return err
	}
	_, err = o.out.Write(data)
	return err
}

// ctlCapture: capture ['METHOD PATH-GLOB' | off] [--bodies SIZE]
// [--field F=MODE ...] [--side S] [--host H] [--ttl D]; with no argument,
// the rule in force.
func ctlCapture(c *adminClient, args []string, o *ctlOpts) error {
	switch {
	case len(args) == 0:
		var res api.Capture
		if ok, err := c.fetch("/v1/capture", &res, o); !ok {
			return err
		}
		if res.Rule == nil {
			fmt.Fprintln(o.out, "no capture")
			return nil
		}
		b, _ := json.Marshal(res.Rule)
		fmt.Fprintf(o.out, "capture %s until %s\n", b, res.Expires)
		return nil
	case len(args) == 1 && args[0] == "off":
		return ctlChange(c, "/v1/capture", nil, o)
	case len(args) > 1:
		return errors.New("want one quoted rule such as 'POST /api/v1/orders/*', or off")
	}
	rule := api.CaptureRule{Side: o.side, Host: o.host}
	spec := strings.Fields(args[0])
	switch len(spec) {
	case 1:
		if strings.HasPrefix(spec[0], "/") {
			rule.Path = spec[0]
		} else {
			rule.Method = spec[0]
		}
	case 2:
		rule.Method, rule.Path = spec[0], spec[1]
	default:
		return fmt.Errorf("rule %q: want 'METHOD PATH-GLOB', 'METHOD' or 'PATH-GLOB'", args[0])
	}
	n, err := parseByteSize(o.bodies)
	if err != nil {
		return err
	}
	rule.MaxBody = n
	for _, f := range o.fields {
		fr, err := probes.ParseFieldRule(f)
		if err != nil {
			return err
		}
		rule.Fields = append(rule.Fields, fr)
	}
	body := api.CapturePut{Rule: rule, TTL: o.ttl}
	return ctlChange(c, "/v1/capture", body, o)
}

// parseByteSize reads 4096, 4KiB, 1MiB (default 4KiB).
func parseByteSize(s string) (int64, error) {
	if s == "" {
		return 4 << 10, nil
	}
	mult := int64(1)
	num := s
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"KB", 1000}, {"MB", 1000 * 1000}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			mult, num = u.m, strings.TrimSuffix(s, u.suffix)
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("--bodies %q: want a size such as 4096, 4KiB or 1MiB", s)
	}
	return n * mult, nil
}
