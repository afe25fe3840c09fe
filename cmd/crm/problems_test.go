package main

import "testing"

func TestFieldAtLine(t *testing.T) {
	text := []byte(`# comment
customer:
  name: x
  # another
  region: 华东: 上海
basic:
  key_people:
    - name: 陈丽
      notes: 财务
    - name: "张强"
owner: 李四
`)
	for line, want := range map[int]string{
		1: "", 2: "customer", 3: "customer.name", 4: "customer.name", 5: "customer.region",
		8: "basic.key_people.name", 9: "basic.key_people.notes", 10: "basic.key_people.name", 11: "owner",
	} {
		if got := fieldAtLine(text, line); got != want {
			t.Errorf("line %d: %q, want %q", line, got, want)
		}
	}
}
