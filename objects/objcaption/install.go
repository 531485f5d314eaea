package objcaption

import (
	"fmt"

	"captioner/models"
)

// Install copies the objects captioner of the bundle folder from (its
// manifest entry and weights) into the bundle folder to, leaving every
// other entry and file of to as it is (models.InstallPart).
func Install(from, to string) error {
	if err := models.InstallPart(from, to, Part); err != nil {
		return fmt.Errorf("objcaption: %w", err)
	}
	return nil
}
