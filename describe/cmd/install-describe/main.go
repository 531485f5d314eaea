// Command install-describe adds a trained describer to a bundle folder,
// for scripts/train-default-describe.sh: it notes the recipe and its
// minutes in the describer's manifest entry (training.recipe,
// training.recipe_minutes) in the bundle it was trained into, then copies
// the entry and describe.safetensors into the target bundle
// (models.InstallPart), leaving every other entry and file there as it is.
//
//	go run ./describe/cmd/install-describe --from BUNDLE --to models/default --recipe scripts/train-default-describe.sh --minutes 21.5
package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"

	"captioner/describe"
	"captioner/models"
)

func main() {
	from := flag.String("from", "", "the trained bundle folder")
	to := flag.String("to", "models/default", "the bundle folder to add the describer to")
	recipe := flag.String("recipe", "", "the recipe that trained it")
	minutes := flag.Float64("minutes", 0, "how long the recipe took, in minutes")
	note := flag.String("note", "", "a note on the recipe's run")
	flag.Parse()
	if err := run(*from, *to, *recipe, *minutes, *note); err != nil {
		fmt.Fprintln(os.Stderr, "install-describe:", err)
		os.Exit(1)
	}
}

func run(from, to, recipe string, minutes float64, note string) error {
	if from == "" || to == "" {
		return errors.New("--from and --to are required")
	}
	man, err := models.ReadManifest(os.DirFS(from))
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	var e map[string]any
	if ok, err := man.Get(describe.Key, &e); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	} else if !ok {
		return fmt.Errorf("%s: %w", from, describe.ErrNoDescriber)
	}
	training, _ := e["training"].(map[string]any)
	if training == nil {
		training = map[string]any{}
	}
	if recipe != "" {
		training["recipe"] = recipe
	}
	if minutes > 0 {
		training["recipe_minutes"] = math.Round(minutes*10) / 10
	}
	if note != "" {
		training["recipe_note"] = note
	}
	e["training"] = training
	if err := man.Set(describe.Key, e); err != nil {
		return err
	}
	if err := man.Write(from); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	return models.InstallPart(from, to, describe.Key)
}
