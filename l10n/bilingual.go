package l10n

import (
	"errors"
	"fmt"
	"strings"
)

// Messages that are kept, not only printed: a problem the replay of the
// journal found is saved in the state snapshot, and read back by the
// commands of another process, which may speak the other language (a cron
// job with LANG=C made the snapshot, the clerk reads it in Chinese). Such a
// message is made in both languages when it is made: Errorf keeps its
// format and arguments, so that In says it again in either language
// without switching the process's language (other goroutines go on
// speaking it meanwhile).

// Bilingual is a message that can be said in either language, whatever
// the process's.
type Bilingual interface {
	// Say is the message in Chinese (chinese) or in English.
	Say(chinese bool) string
}

// In is v in Chinese (chinese) or in English: a Bilingual (an error of
// Errorf, a Word, a Words) said in that language, else as fmt prints it
// with %v. An error is said through what it wraps only when it is
// Bilingual itself: an fmt.Errorf that wraps one is said as it is.
func In(chinese bool, v any) string {
	switch x := v.(type) {
	case Bilingual:
		return x.Say(chinese)
	case error:
		return x.Error()
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// format is the format string f in Chinese (chinese) or as written.
func format(f string, chinese bool) string {
	if chinese {
		if t, ok := catalog()[f]; ok {
			return t
		}
	}
	return f
}

// message is an error of Errorf: its text in the process's language,
// and its format and arguments to say it in the other one.
type message struct {
	err    error // fmt.Errorf of the translated format: the text, and what %w wraps
	format string
	args   []any
}

func (m *message) Error() string { return m.err.Error() }

// Unwrap gives what the message's %w wraps (errors.Is and errors.As see
// through it as through fmt.Errorf's error).
func (m *message) Unwrap() error {
	if u, ok := m.err.(interface{ Unwrap() error }); ok {
		return u.Unwrap()
	}
	return nil
}

// messageList is a message with several %w: it unwraps to them all, as
// fmt.Errorf's error does (and as errors.Join's: the command presents
// each).
type messageList struct{ *message }

func (m messageList) Unwrap() []error { return m.err.(interface{ Unwrap() []error }).Unwrap() }

// newMessage is the message of format and a in the process's language.
func newMessage(format string, a []any) error {
	m := &message{err: fmt.Errorf(T(format), a...), format: format, args: a}
	if _, ok := m.err.(interface{ Unwrap() []error }); ok {
		return messageList{m}
	}
	return m
}

// Say formats the message again in the language chinese selects, each
// argument that is Bilingual (a wrapped error of Errorf among them) said
// in it too.
func (m *message) Say(chinese bool) string {
	args := make([]any, len(m.args))
	for i, a := range m.args {
		switch x := a.(type) {
		case error:
			if b, ok := x.(Bilingual); ok {
				// Still an error, for %w.
				args[i] = errors.New(b.Say(chinese))
			} else {
				args[i] = x
			}
		case Bilingual:
			args[i] = x.Say(chinese)
		default:
			args[i] = a
		}
	}
	return fmt.Errorf(format(m.format, chinese), args...).Error()
}

// Word is a text marked for translation (as N marks it) that is said in
// the language of its reader: in an argument of Errorf, where T would
// fix it in the process's language when the message is made.
type Word string

// String is w in the process's language (T).
func (w Word) String() string { return T(string(w)) }

// Say is w in Chinese (chinese) or as written.
func (w Word) Say(chinese bool) string { return format(string(w), chinese) }

// Words is a text given in both languages, as Pick takes them, said in
// the language of its reader.
type Words struct{ En, Zh string }

// String is w in the process's language (Pick).
func (w Words) String() string { return Pick(w.En, w.Zh) }

// Say is w in Chinese (chinese) or in English.
func (w Words) Say(chinese bool) string {
	if chinese {
		return w.Zh
	}
	return w.En
}

// Phrase is a piece of a message made before the message it goes in (the
// step a role is needed for): printed (%s, %v) in the process's language,
// said by In in either.
type Phrase interface {
	fmt.Stringer
	Bilingual
}

// Textf is Sprintf as a Phrase.
func Textf(format string, a ...any) Phrase {
	return text{newMessage(format, a)}
}

// text is a Phrase of Textf.
type text struct{ m error } // of newMessage: Bilingual

func (t text) String() string          { return t.m.Error() }
func (t text) Say(chinese bool) string { return t.m.(Bilingual).Say(chinese) }

// Sayf is Sprintf in Chinese (chinese) or in English, whatever the
// process's language; arguments that are Bilingual are said in it too.
func Sayf(chinese bool, format string, a ...any) string {
	return (&message{format: format, args: a}).Say(chinese)
}

// ListIn is List in Chinese (chinese) or in English.
func ListIn(chinese bool, items []string) string {
	if chinese {
		return strings.Join(items, "、")
	}
	return strings.Join(items, ", ")
}

// Said is a Phrase that says itself: f gives it in Chinese (chinese) or in
// English (a list of roles by their titles, or by their ids).
type Said func(chinese bool) string

// String is s in the process's language.
func (s Said) String() string { return s(zh.Load()) }

// Say is s in Chinese (chinese) or in English.
func (s Said) Say(chinese bool) string { return s(chinese) }

// Listed is items as List joins them, in the language it is said in.
func Listed(items []string) Phrase {
	return Said(func(chinese bool) string { return ListIn(chinese, items) })
}
