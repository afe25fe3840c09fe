# make demo: build crm into bin/ and run it on a throwaway demo archive.
# make test: every test (the same command .ci/run runs).
# make man: man pages for crm and each command into ./man (crm man DIR).
.PHONY: build demo test man
build:
	go build -o bin/crm ./cmd/crm
demo: build
	testdata/demo/demo.sh bin/crm
test:
	go test ./...
man: build
	bin/crm man man
