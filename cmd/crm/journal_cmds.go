package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

func newListCmd(e *env) *cobra.Command {
	var asJSON, noDecrypt bool
	var level string
	var lf listFilters
	c := &cobra.Command{
		Use:   "list [--level L] [--expiring-within DUR] [--credit C] [--tier T] [--json] [--no-decrypt]",
		Short: l10n.Pick("List dossiers: id, level, status, dates; name and owner where your key opens them", "列出档案：编号、密级、状态、日期；可解密者另显示客户名称与负责人"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(false)
			if err != nil {
				return err
			}
			if level != "" {
				if err := a.Policy.CheckLevel(level); err != nil {
					return err
				}
			}
			if err := lf.check(a, !noDecrypt); err != nil {
				return err
			}
			entries, err := a.List(!noDecrypt)
			if err != nil {
				e.errorf("crm: %v\n", err)
			}
			var out []archive.ListEntry
			unreadable := 0
			for _, en := range entries {
				if level != "" && en.Level != level || !lf.keep(en) {
					continue
				}
				if !en.Readable {
					unreadable++
				}
				out = append(out, en)
			}
			if asJSON {
				if out == nil {
					out = []archive.ListEntry{}
				}
				return printJSON(e.io.Out, out)
			}
			var rows [][]string
			for _, en := range out {
				credit := en.Credit
				if en.Dangerous {
					credit += l10n.Pick(" (dangerous)", "（危险）")
				}
				rows = append(rows, []string{en.ID, en.Level, statusText(en.Status), en.Created.Format(time.DateOnly), en.Updated.Format(time.DateOnly), en.Name, en.Owner, en.Expires, credit, en.Tier})
			}
			if err := printTable(e.io.Out, []string{l10n.Pick("ID", "编号"), l10n.Pick("LEVEL", "密级"), l10n.Pick("STATUS", "状态"), l10n.Pick("CREATED", "建档日期"), l10n.Pick("CHANGED", "最近变更"), l10n.Pick("CUSTOMER", "客户名称"), l10n.Pick("OWNER", "负责人"), l10n.Pick("EXPIRES", "解密日期"), l10n.Pick("CREDIT", "信用"), l10n.Pick("TIER", "层级")}, rows); err != nil {
				return err
			}
			if !noDecrypt && unreadable > 0 {
				e.errorf("%s\n", l10n.Sprintf("%d of %d dossiers are not readable with your key: their name and owner are not shown.", unreadable, len(out)))
			}
			return nil
		},
	}
	c.Flags().StringVar(&level, "level", "", l10n.Pick("only dossiers of this (effective) level", "仅列出该密级（按自行解密后的密级）"))
	lf.flags(c)
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	c.Flags().BoolVar(&noDecrypt, "no-decrypt", false, l10n.Pick("read the journal only (no key needed)", "只读日志（无需密钥）"))
	return c
}

func statusText(s string) string {
	switch s {
	case archive.StatusActive:
		return l10n.Pick("active", "在档")
	case archive.StatusDestroyed:
		return l10n.Pick("destroyed", "已销毁")
	}
	return s
}

// eventSummary is a one-line description of an event's data (never content).
func eventSummary(ev *archive.Event) string {
	var m map[string]any
	if err := ev.Decode(&m); err != nil || m == nil {
		return ""
	}
	var parts []string
	for _, k := range []string{"loan", "request", "step", "quarter", "level", "fields", "member", "roles", "recipients"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			parts = append(parts, fmt.Sprintf("%s=%v", k, x["id"]))
		case []any:
			var s []string
			for _, i := range x {
				s = append(s, fmt.Sprint(i))
			}
			parts = append(parts, k+"="+strings.Join(s, ","))
		default:
			parts = append(parts, fmt.Sprintf("%s=%v", k, x))
		}
	}
	return strings.Join(parts, " ")
}

func newLogCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "log [ID] [--json]",
		Short: l10n.Pick("Show the journal, or one dossier's history", "显示日志，或某一档案的历史"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(false)
			if err != nil {
				return err
			}
			events := a.State.Journal.Events
			if len(args) == 1 {
				if err := archive.CheckID(args[0]); err != nil {
					return err
				}
				d := a.State.Dossiers[args[0]]
				if d == nil {
					return l10n.Errorf("no dossier %s in the journal", args[0])
				}
				events = d.Events
			}
			if asJSON {
				type jev struct {
					Hash    string    `json:"hash"`
					Kind    string    `json:"kind"`
					Time    time.Time `json:"time"`
					Actor   string    `json:"actor"`
					Dossier string    `json:"dossier,omitempty"`
					Prev    []string  `json:"prev"`
					Data    any       `json:"data,omitempty"`
					Path    string    `json:"path"`
				}
				out := []jev{}
				for _, ev := range events {
					var d any
					ev.Decode(&d)
					out = append(out, jev{ev.Hash, ev.Kind, ev.Time, ev.Actor, ev.Dossier, ev.Prev, d, ev.Path})
				}
				return printJSON(e.io.Out, out)
			}
			for _, ev := range events {
				d := ev.Dossier
				if d == "" {
					d = "-"
				}
				e.printf("%s  %s  %-16s %-8s %-10s %s\n", archive.ShortHash(ev.Hash), ev.Time.Format("2006-01-02 15:04"), ev.Kind, ev.Actor, d, eventSummary(ev))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func newVerifyCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: l10n.Pick("Check signatures, links, roles, and every file against the journal (exit 4 on a problem)", "核查签名、链接、角色及每个文件与日志是否一致（有问题退出码 4）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(false)
			if err != nil {
				return err
			}
			ps, err := a.Verify()
			if err != nil {
				return err
			}
			if len(ps) > 0 {
				for _, p := range ps {
					e.printf("%s\n", p)
				}
				return archive.Integrity(l10n.Errorf("verify found %d problem(s)", len(ps)))
			}
			e.printf("%s\n", l10n.Sprintf("ok: %d events, %d members, %d dossiers verified.", len(a.State.Journal.Events), len(a.State.Members), len(a.State.Dossiers)))
			return nil
		},
	}
}

func newRekeyCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "rekey",
		Short: l10n.Pick("Re-encrypt every dossier whose recipients are not the ones the policy gives", "重新加密收件人与策略不符的档案"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(true)
			if err != nil {
				return err
			}
			n, err := a.Rekey()
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Re-encrypted %d dossier(s).", n))
			return nil
		},
	}
}
