package archive

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"

	"crm/l10n"
)

// SigningKeyPrefix starts the text form of a member's signing public key.
const SigningKeyPrefix = "crm-ed25519:"

// Identity is a person's key material, loaded from one standard age identity
// file: the age identity that decrypts dossiers, its recipient, and the
// Ed25519 signing key derived from it (see DeriveSigningKey).
type Identity struct {
	Age       age.Identity
	Recipient string // "age1…" or "age1pq1…"
	Path      string // the file it came from, if any

	// signer makes the signing key on first use: its public half costs
	// the first scalar multiplication of the process (~0.4 ms), which a
	// command that signs nothing (show, list) need not pay.
	signer   func() ed25519.PrivateKey
	cacheKey [32]byte // seals this person's plaintext cache (HKDF, like the signing key)
}

// Signer is the Ed25519 signing key derived from the age key
// (DeriveSigningKey); nil for a CacheOnly identity.
func (id *Identity) Signer() ed25519.PrivateKey {
	if id.signer == nil {
		return nil
	}
	return id.signer()
}

// SigningKey is the text form of the signing key's public half
// (EncodeSigningKey), as a member's signing_key; "" for a CacheOnly
// identity.
func (id *Identity) SigningKey() string {
	k := id.Signer()
	if k == nil {
		return ""
	}
	return EncodeSigningKey(k.Public().(ed25519.PublicKey))
}

// CacheOnly is the identity with nothing but what seals the user's caches:
// no age key to decrypt with, no signing key. A command that needs no key
// opens the archive with it (OpenOptions.Identity) to share the caches of
// the user's commands that have one.
func (id *Identity) CacheOnly() *Identity {
	return &Identity{Recipient: id.Recipient, Path: id.Path, cacheKey: id.cacheKey}
}

// DeriveSigningKey derives a member's Ed25519 signing key from the text of
// their age secret key ("AGE-SECRET-KEY-1…"), with HKDF-SHA-256. Deriving it
// means one file per person is enough; the age key never signs anything
// itself, and the signing key reveals nothing about it.
func DeriveSigningKey(secret string) (ed25519.PrivateKey, error) {
	seed, err := signingSeed(secret)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func signingSeed(secret string) ([]byte, error) {
	return hkdf.Key(sha256.New, []byte(secret), nil, "crm journal signing key v1", ed25519.SeedSize)
}

// EncodeSigningKey returns the text form of a signing public key.
func EncodeSigningKey(pub ed25519.PublicKey) string {
	return SigningKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParseSigningKey parses the text form made by EncodeSigningKey.
func ParseSigningKey(s string) (ed25519.PublicKey, error) {
	if !strings.HasPrefix(s, SigningKeyPrefix) {
		return nil, l10n.Errorf("signing key %q must start with %q", s, SigningKeyPrefix)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SigningKeyPrefix))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, l10n.Errorf("signing key %q is not a valid Ed25519 public key", s)
	}
	return ed25519.PublicKey(b), nil
}

// ParseRecipient parses an age recipient of the kinds crm supports:
// X25519 ("age1…") and post-quantum hybrid ("age1pq1…").
func ParseRecipient(s string) (age.Recipient, error) {
	var r age.Recipient
	var err error
	if strings.HasPrefix(s, "age1pq1") {
		r, err = age.ParseHybridRecipient(s)
	} else {
		r, err = age.ParseX25519Recipient(s)
	}
	if err != nil {
		return nil, l10n.Errorf("%q is not an age public key (age1…): %v", s, err)
	}
	return r, nil
}

// GenerateIdentityText makes a new age identity and returns the text of a
// standard age identity file (readable by `age -d -i`), with comments giving
// the public key and the crm signing key.
func GenerateIdentityText(pq bool, now time.Time) ([]byte, *Identity, error) {
	var secret, recipient string
	if pq {
		id, err := age.GenerateHybridIdentity()
		if err != nil {
			return nil, nil, err
		}
		secret, recipient = id.String(), id.Recipient().String()
	} else {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, nil, err
		}
		secret, recipient = id.String(), id.Recipient().String()
	}
	id, err := parseIdentityLine(secret)
	if err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# created: %s\n", now.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "# public key: %s\n", recipient)
	fmt.Fprintf(&b, "# crm signing key: %s\n", id.SigningKey())
	fmt.Fprintf(&b, "%s\n", secret)
	return b.Bytes(), id, nil
}

func parseIdentityLine(secret string) (*Identity, error) {
	var id age.Identity
	var recipient string
	switch {
	case strings.HasPrefix(secret, "AGE-SECRET-KEY-PQ-1"):
		h, err := age.ParseHybridIdentity(secret)
		if err != nil {
			return nil, err
		}
		id, recipient = h, h.Recipient().String()
	case strings.HasPrefix(secret, "AGE-SECRET-KEY-1"):
		x, err := age.ParseX25519Identity(secret)
		if err != nil {
			return nil, err
		}
		id, recipient = x, x.Recipient().String()
	default:
		return nil, l10n.Errorf("not an age secret key (AGE-SECRET-KEY-…)")
	}
	seed, err := signingSeed(secret)
	if err != nil {
		return nil, err
	}
	ck, err := hkdf.Key(sha256.New, []byte(secret), nil, "crm plaintext cache key v1", 32)
	if err != nil {
		return nil, err
	}
	out := &Identity{
		Age:       id,
		Recipient: recipient,
		signer:    sync.OnceValue(func() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(seed) }),
	}
	copy(out.cacheKey[:], ck)
	return out, nil
}

// ParseIdentityText reads the first age secret key of an identity file's
// text; blank lines and # comments are skipped, as age does.
func ParseIdentityText(b []byte) (*Identity, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	// 4 KB to start, grown for a longer line (a post-quantum key is ~2 KB
	// on one line): every command reads its identity, and 64 KB of
	// fresh memory was 16 page faults (~0.07 ms of a 9 ms show).
	sc.Buffer(make([]byte, 0, 4<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, err := parseIdentityLine(line)
		if err != nil {
			return nil, l10n.Errorf("line %d: %v", n, err)
		}
		return id, nil
	}
	return nil, l10n.Errorf("no age secret key found")
}

// IsEncryptedIdentity reports whether an identity file's bytes are an age
// file (binary or armored), that is, a passphrase-protected identity.
func IsEncryptedIdentity(b []byte) bool {
	return bytes.HasPrefix(b, []byte("age-encryption.org/")) ||
		bytes.HasPrefix(bytes.TrimSpace(b), []byte(armor.Header))
}

// ErrWrongPassphrase is returned when a passphrase does not open an identity file.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// LoadIdentity reads an identity file. A passphrase-protected file (an
// age-encrypted identity, as `age -p` writes it) is opened with the
// passphrase that passphrase returns; passphrase is only called then.
func LoadIdentity(path string, passphrase func() (string, error)) (*Identity, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, deniedErr(l10n.Errorf("identity file %s does not exist", path)).then(NextKeygen, path)
		}
		return nil, l10n.Errorf("reading identity file: %v", err)
	}
	return ReadIdentity(b, path, passphrase)
}

// ReadIdentity reads an identity from b, the text of an identity file
// (named path in messages), as LoadIdentity does.
func ReadIdentity(b []byte, path string, passphrase func() (string, error)) (*Identity, error) {
	if IsEncryptedIdentity(b) {
		if passphrase == nil {
			return nil, deniedErr(l10n.Errorf("identity file %s is passphrase-protected", path)).then(NextPassphrase, path)
		}
		pass, err := passphrase()
		if err != nil {
			return nil, err
		}
		b, err = decryptIdentityFile(b, pass)
		if err != nil {
			return nil, deniedErr(l10n.Errorf("identity file %s: %v", path, err))
		}
	}
	id, err := ParseIdentityText(b)
	if err != nil {
		return nil, deniedErr(l10n.Errorf("identity file %s: %v", path, err))
	}
	id.Path = path
	return id, nil
}

func decryptIdentityFile(b []byte, pass string) ([]byte, error) {
	var src io.Reader = bytes.NewReader(b)
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte(armor.Header)) {
		src = armor.NewReader(bytes.NewReader(bytes.TrimSpace(b)))
	}
	sid, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(src, sid)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) || strings.Contains(err.Error(), "incorrect passphrase") {
			return nil, l10n.Errorf("wrong passphrase")
		}
		return nil, err
	}
	return io.ReadAll(r)
}

// EncryptIdentityText protects identity text with a passphrase, the way
// `age -p -a` does, so the stock age command can open it too. workFactor is
// scrypt's log2(N); 0 means age's default (18).
func EncryptIdentityText(text []byte, pass string, workFactor int) ([]byte, error) {
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, err
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	var out bytes.Buffer
	aw := armor.NewWriter(&out)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
