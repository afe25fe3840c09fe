# make demo: build crm into bin/ and run it on a throwaway demo archive.
# make test: every test (the same command .ci/run runs).
# make bench: the benchmarks of README's Performance section (a few minutes).
# make man: man pages for crm and each command into ./man (crm man DIR).
.PHONY: build demo test bench man
# CGO_ENABLED=0: a static crm starts 3-4 ms sooner than one linked
# against libc (no dynamic loader, no cgo start), a tenth of a `crm show`;
# crm needs nothing from C (os/user and net fall back to pure Go).
build:
	CGO_ENABLED=0 go build -o bin/ ./cmd/...
demo: build
	testdata/demo/demo.sh bin/crm
test:
	go test -timeout 30m ./...
bench:
	go test -run '^$$' -bench . -benchtime 3x ./archive/ ./archive/journal/ ./report/ ./cmd/crm/
man: build
	bin/crm man man
