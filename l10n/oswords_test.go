package l10n

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

func TestOSWords(t *testing.T) {
	_, err := os.ReadFile("/nonexistent/d.yaml")
	pe := &fs.PathError{Op: "open", Path: "/tmp/x y", Err: syscall.EACCES}
	dir := &fs.PathError{Op: "read", Path: "/tmp", Err: syscall.EISDIR}
	SetLang("zh")
	defer SetLang("en")
	for _, c := range []struct{ in, want string }{
		{"读取 /nonexistent/d.yaml：" + err.Error(), "读取 /nonexistent/d.yaml：打开 /nonexistent/d.yaml：文件或目录不存在"},
		{"写入：" + pe.Error(), "写入：打开 /tmp/x y：权限不足"},
		{dir.Error(), "读取 /tmp：是一个目录"},
		{"档案 C-000001 已更新", "档案 C-000001 已更新"},
		{"open: no such thing", "open: no such thing"},
		{errors.New("mkdir /proc/x: no such file or directory").Error(), "创建目录 /proc/x：文件或目录不存在"},
		{"启动 /opt/crm-xlsx 失败：fork/exec /opt/crm-xlsx: permission denied", "启动 /opt/crm-xlsx 失败：启动 /opt/crm-xlsx：权限不足"},
	} {
		if got := OSWords(c.in); got != c.want {
			t.Errorf("OSWords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	SetLang("en")
	if in := pe.Error(); OSWords(in) != in {
		t.Errorf("English changed: %q", OSWords(in))
	}
}
