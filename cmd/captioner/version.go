package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"gocv.io/x/gocv"

	"captioner/models"
)

func newVersionCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of captioner and of the libraries it runs on",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(g.stdout, versionString())
			return nil
		},
	}
}

// versionString reports the module version and VCS revision that the Go
// toolchain stamped into the binary, and the OpenCV and Go versions.
func versionString() string {
	version, revision, dirty := "(devel)", "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if dirty {
		revision += "+dirty"
	}
	s := "captioner " + version
	if revision != "" {
		s += " " + revision
	}
	s = fmt.Sprintf("%s (%s, OpenCV %s, gocv %s)", s, runtime.Version(), gocv.OpenCVVersion(), gocv.Version())
	if v := models.Version(); v != "" {
		s += "\nembedded models: " + v
	}
	return s
}
