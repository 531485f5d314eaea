package batch

import (
	"time"

	"captioner/subtitle"
)

// Progress is how far a run has got, in the work it has to do (images to
// caption, seconds of video to label), not in files: one long video weighs
// as much as its length. The work becomes known as files are checked
// (probed and hashed), which runs ahead of the work itself, so the totals
// grow at the start of a run (Checked < Files) and are exact once every
// file is checked. Files that need no work (unchanged, skipped) add none.
type Progress struct {
	Files   int // files found
	Checked int // files checked: settled, or their work known
	Settled int // files settled: done, unchanged, skipped or failed

	Images     int // images to caption in this run, known so far
	ImagesDone int // of them, captioned or failed

	Videos    int // videos to label in this run, known so far
	VideoDone int // of them, done or failed
	// VideoSeconds is their duration; VideoSecondsDone how much of it is
	// labelled, the videos being labelled counting as far as they have
	// got. A video that fails counts as far as it got, and the rest of it
	// leaves the total.
	VideoSeconds, VideoSecondsDone float64
}

// Work returns the work done and the work to do, in seconds of video, an
// image weighing as much as a sampled video frame, 1/fps s: each is one
// pass of the CNN, which dominates both (batch/BENCHMARKS.md: 47.7 images/s
// against 10.5 s of video/s at 4 frames a second on the same machine, an
// image worth 0.22 s of video).
func (p Progress) Work(fps float64) (done, total float64) {
	if fps <= 0 {
		fps = subtitle.DefaultFPS
	}
	return p.VideoSecondsDone + float64(p.ImagesDone)/fps, p.VideoSeconds + float64(p.Images)/fps
}

// progress is a run's Progress with what it needs to keep it.
type progress struct {
	p        Progress
	queued   map[string]work    // the files sent to work
	labelled map[string]float64 // the videos being labelled: seconds done
	finished float64            // seconds of the videos settled
}

// work is one file's: an image, or a video of so many seconds.
type work struct {
	image   bool
	seconds float64
}

// queue counts a checked file's work (duration 0 for an image).
func (g *progress) queue(rel string, image bool, duration time.Duration) {
	if g.queued == nil {
		g.queued, g.labelled = map[string]work{}, map[string]float64{}
	}
	g.p.Checked++
	if image {
		g.p.Images++
		g.queued[rel] = work{image: true}
		return
	}
	d := max(duration.Seconds(), 0)
	g.p.Videos++
	g.p.VideoSeconds += d
	g.queued[rel] = work{seconds: d}
}

// label records how far the video rel has got.
func (g *progress) label(rel string, done time.Duration) {
	w, ok := g.queued[rel]
	if !ok || w.image {
		return
	}
	g.labelled[rel] = min(max(done.Seconds(), 0), w.seconds)
	g.sum()
}

// settle counts a settled file; done says whether its work was all done.
func (g *progress) settle(rel string, done bool) {
	g.p.Settled++
	w, ok := g.queued[rel]
	if !ok {
		g.p.Checked++ // settled when checked
		return
	}
	delete(g.queued, rel)
	if w.image {
		g.p.ImagesDone++
	} else {
		g.p.VideoDone++
		d := w.seconds
		if !done {
			got := g.labelled[rel]
			g.p.VideoSeconds -= d - got
			d = got
		}
		g.finished += d
	}
	delete(g.labelled, rel)
	g.sum()
}

func (g *progress) sum() {
	s := g.finished
	for _, v := range g.labelled {
		s += v
	}
	g.p.VideoSecondsDone = s
}
