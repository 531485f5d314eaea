// Command install-tag adds a trained tagger to a bundle folder, for
// scripts/train-default-tag.sh: it notes the recipe and its minutes in
// the tagger's manifest entry in the bundle it was trained into, then
// copies the entry and tag.safetensors into the target bundle
// (tag.Install, models.InstallPart), leaving every other entry and file
// there as it is.
//
//	go run ./tag/cmd/install-tag --from BUNDLE --to models/default --recipe scripts/train-default-tag.sh --minutes 18.5
package main

import (
	"flag"
	"fmt"
	"os"

	"captioner/tag"
)

func main() {
	from := flag.String("from", "", "the trained bundle folder")
	to := flag.String("to", "models/default", "the bundle folder to add the tagger to")
	recipe := flag.String("recipe", "", "the recipe that trained it")
	minutes := flag.Float64("minutes", 0, "how long the recipe took, in minutes")
	flag.Parse()
	if *from == "" || *to == "" {
		fmt.Fprintln(os.Stderr, "install-tag: --from and --to are required")
		os.Exit(2)
	}
	if err := tag.Install(*from, *to, *recipe, *minutes); err != nil {
		fmt.Fprintln(os.Stderr, "install-tag:", err)
		os.Exit(1)
	}
}
