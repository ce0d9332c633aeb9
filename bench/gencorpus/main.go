// Command gencorpus writes the synthetic workspace of bench/corpus, by
// default 10,000 markdown files of about 100 MB:
//
//	go run ./bench/gencorpus -out /tmp/corpus -files 10000 -mb 100 -seed 1
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/localgpt-go/localgpt/bench/corpus"
)

func main() {
	out := flag.String("out", "", "folder to write the workspace into (required)")
	files := flag.Int("files", 10000, "number of markdown files")
	mb := flag.Float64("mb", 100, "approximate total size in MB")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same corpus")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gencorpus -out DIR [-files N] [-mb MB] [-seed S]")
		os.Exit(2)
	}
	if err := corpus.Generate(*out, *files, int(*mb*1e6), *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}
