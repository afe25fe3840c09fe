package l10n

import (
	"regexp"
	"strings"
	"sync"
)

// osErrnos are the operating system's error texts as Go's os and syscall
// packages write them, in Chinese.
var osErrnos = map[string]string{
	"no such file or directory": "文件或目录不存在",
	"permission denied":         "权限不足",
	"is a directory":            "是一个目录",
	"not a directory":           "不是目录",
	"file exists":               "文件已存在",
	"read-only file system":     "文件系统只读",
	"no space left on device":   "磁盘空间不足",
	"directory not empty":       "目录不为空",
	"operation not permitted":   "不允许此操作",
	"input/output error":        "输入/输出错误",
	"disk quota exceeded":       "超出磁盘配额",
	"too many open files":       "打开的文件过多",
	"file name too long":        "文件名过长",
}

// osOps are the operations of an fs.PathError ("open X: …"), in Chinese.
var osOps = map[string]string{
	"open": "打开", "stat": "查看", "lstat": "查看", "mkdir": "创建目录", "read": "读取",
	"write": "写入", "remove": "删除", "rename": "改名", "chmod": "修改权限", "readdirent": "读取目录",
	"mkdirat": "创建目录", "openat": "打开", "unlinkat": "删除", "fstatat": "查看", "sync": "同步",
	"fork/exec": "启动", // a program that cannot be started (the XLSX helper)
}

// osErrorRE is compiled on first use: a command in English, or one with
// nothing to translate, never needs it (compiled at start it was a third
// of a millisecond of every command, crm --version included).
var osErrorRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b(open|stat|lstat|mkdir|read|write|remove|rename|chmod|readdirent|mkdirat|openat|unlinkat|fstatat|sync|fork/exec) (\S[^:]*): (` +
		`no such file or directory|permission denied|is a directory|not a directory|file exists|read-only file system|` +
		`no space left on device|directory not empty|operation not permitted|input/output error|disk quota exceeded|` +
		`too many open files|file name too long)`)
})

// OSWords puts the operating system's words in msg into the user's
// language: an error of the os package ("open f.yaml: no such file or
// directory") wrapped into a Chinese message would otherwise read in
// English in the middle of it. In English msg is returned as it is.
func OSWords(msg string) string {
	if !Chinese() || !strings.ContainsAny(msg, "abcdefghijklmnopqrstuvwxyz") {
		return msg
	}
	re := osErrorRE()
	return re.ReplaceAllStringFunc(msg, func(m string) string {
		p := re.FindStringSubmatch(m)
		return osOps[p[1]] + " " + p[2] + "：" + osErrnos[p[3]]
	})
}
