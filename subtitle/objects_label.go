package subtitle

import (
	"context"
	"fmt"
	"slices"
	"time"

	"captioner/media"
	"captioner/objects"
	"captioner/rnn"
	"captioner/vision"
)

// ObjectDetector finds objects in frames, boxes relative to the frame;
// VisionDetector is one.
type ObjectDetector interface {
	DetectObjects(ctx context.Context, frames []media.Frame) ([][]objects.Detection, error)
}

// VisionDetector is a vision.Detector reporting down to MinScore, its
// pixel boxes made relative to each frame.
type VisionDetector struct {
	Detector *vision.Detector
	MinScore float64
}

var _ ObjectDetector = VisionDetector{}

// DetectObjects implements ObjectDetector.
func (v VisionDetector) DetectObjects(ctx context.Context, frames []media.Frame) ([][]objects.Detection, error) {
	found, err := v.Detector.DetectWith(ctx, frames, vision.DetectOptions{MinScore: float32(v.MinScore)})
	if err != nil {
		return nil, err
	}
	out := make([][]objects.Detection, len(found))
	for i, ds := range found {
		w, h := float64(frames[i].Width), float64(frames[i].Height)
		for _, d := range ds {
			b := objects.Box{X0: float64(d.Box.X0) / w, Y0: float64(d.Box.Y0) / h, X1: float64(d.Box.X1) / w, Y1: float64(d.Box.Y1) / h}
			b = objects.Box{X0: clamp01(b.X0), Y0: clamp01(b.Y0), X1: clamp01(b.X1), Y1: clamp01(b.Y1)}
			out[i] = append(out[i], objects.Detection{Object: objects.Object{Class: d.Class, Box: b}, Score: float64(d.Score)})
		}
	}
	return out, nil
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// ObjectsLabeller writes the label tracks of real videos with an objects
// labeller: frames sampled at the featurizer's rate, the detector on each,
// the featurizer's vector, the LSTM (streamed: a bidirectional one sees a
// window of context on both sides), smoothing and the cue rules; presence
// by the entry's rule. One video at a time (the model keeps buffers).
type ObjectsLabeller struct {
	Model    *Model
	Entry    *ObjectsEntry
	Detector ObjectDetector
	Cue      Options // zero: ObjectsCueOptions
	Batch    int     // frames a detector call; 0 means 8
	// Baseline also makes the per-frame baseline's track (which keeps
	// every step's detections).
	Baseline bool
}

// ObjectsTrack is a labelled video: the cues (with their confidence) and
// flags of Track, the label each step's sample shows, the classes in view
// each second, and, when asked for, the per-frame baseline's cues.
type ObjectsTrack struct {
	Track
	Labels   []objects.Label
	Presence objects.Presence
	Baseline []Cue
	// BaselinePresence is the baseline's presence, by the same rule.
	BaselinePresence objects.Presence
}

func (l *ObjectsLabeller) cue() Options {
	if l.Cue == (Options{}) {
		return ObjectsCueOptions()
	}
	return l.Cue
}

// Label samples the video at path and labels it. Decoding (ffmpeg, its own
// process) runs ahead of the detector by one batch; memory holds two
// batches of frames and a few numbers a step.
func (l *ObjectsLabeller) Label(ctx context.Context, path string) (*ObjectsTrack, error) {
	return l.LabelProgress(ctx, path, nil)
}

// LabelProgress is Label that tells progress (if not nil) how far the
// frames through the detector have got, after each batch.
func (l *ObjectsLabeller) LabelProgress(ctx context.Context, path string, progress Progress) (*ObjectsTrack, error) {
	f := l.Entry.Featurizer
	stream, err := media.OpenVideo(ctx, path, media.VideoOptions{
		FPS: f.FPS, Phase: time.Duration(float64(time.Second) / (2 * f.FPS)), Width: f.Input, Height: f.Input, Fit: media.Stretch,
	})
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	info := stream.Info()
	if info.Kind != media.Video {
		return nil, fmt.Errorf("subtitle: %s: a still image has no timeline to subtitle: %w", path, media.ErrNoVideo)
	}
	batch := l.Batch
	if batch <= 0 {
		batch = 8
	}
	if progress == nil {
		progress = func(done, total time.Duration) {}
	}
	progress(0, info.Duration)
	half := time.Duration(float64(time.Second) / (2 * f.FPS))
	run := l.start()
	err = stream.Batches(batch, func(frames []media.Frame) error {
		dets, err := l.Detector.DetectObjects(ctx, frames)
		if err != nil {
			return fmt.Errorf("subtitle: %s: %w", path, err)
		}
		for i, fr := range frames {
			run.push(fr.Time, dets[i])
		}
		progress(min(frames[len(frames)-1].Time+half, info.Duration), info.Duration)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := info.Duration
	if n := len(run.times); d <= 0 && n > 0 {
		d = run.times[n-1] + objects.StepInterval/2
	}
	tr, err := run.finish(d)
	if err != nil {
		return nil, err
	}
	tr.Info = info
	return tr, nil
}

// LabelDetections labels a video of duration d from the detections of its
// samples, one list a step at (k + 0.5) * StepInterval.
func (l *ObjectsLabeller) LabelDetections(dets [][]objects.Detection, d time.Duration) (*ObjectsTrack, error) {
	run := l.start()
	for k, ds := range dets {
		run.push(time.Duration(k)*objects.StepInterval+objects.StepInterval/2, ds)
	}
	return run.finish(d)
}

// objectsRun is one video being labelled.
type objectsRun struct {
	l      *ObjectsLabeller
	fz     *objects.Featurizer
	stream *Stream
	times  []time.Duration
	probs  [][]float32
	scores [][]float32 // each step's best score a class
	dets   [][]objects.Detection
	nov    float64
	z      []float32
	known  bool // some detection scored at least vision.DefaultMinScore
}

func (l *ObjectsLabeller) start() *objectsRun {
	r := &objectsRun{l: l, fz: l.Entry.Featurizer.New()}
	if !l.Entry.PerClass {
		r.stream = l.Model.NewStream(func(_ int, p []float32) { r.probs = append(r.probs, p) })
	}
	return r
}

func (r *objectsRun) push(t time.Duration, dets []objects.Detection) {
	v := r.fz.Vector(dets)
	if r.stream != nil {
		r.z = r.l.Model.Norm.Apply(v, r.z)
		r.nov += rnn.Novelty(r.z)
		r.stream.Push(v)
	}
	for _, d := range dets {
		r.known = r.known || d.Score >= vision.DefaultMinScore
	}
	r.times = append(r.times, t)
	r.scores = append(r.scores, bestScores([][]float32{v}, len(r.fz.Classes()))[0])
	if r.l.Baseline || r.l.Entry.PerClass {
		r.dets = append(r.dets, dets)
	}
}

func (r *objectsRun) finish(d time.Duration) (*ObjectsTrack, error) {
	if r.stream != nil {
		r.stream.Flush()
	}
	l := r.l
	tr := &ObjectsTrack{Track: Track{Steps: len(r.times)}}
	if len(r.times) == 0 || d <= 0 {
		return tr, nil
	}
	var cues []Cue
	var err error
	var view objects.Presence
	if l.Entry.PerClass {
		c := l.classProbs(r.dets)
		labels, conf, inView, err := l.classLabels(c, len(r.times), l.Entry.Penalty, l.Entry.StillBias)
		if err != nil {
			return nil, err
		}
		view = viewPresence(l.Entry.Featurizer.Classes, c.idx, inView, d)
		cues, err = labelTrackCues(labels, conf, r.times, d, l.cue())
		if err != nil {
			return nil, err
		}
		tr.Novelty = c.novelty
	} else {
		l.Entry.biasStill(l.Model, r.probs)
		cues, err = l.Model.Cues(r.times, r.probs, d, l.Entry.Penalty, l.cue())
		tr.Novelty = r.nov / float64(len(r.times))
	}
	if err != nil {
		return nil, err
	}
	tr.Cues = cues
	tr.Confidence, _ = meanConfidence(cues)
	if !r.known {
		// As for a photo: a video in which the detector found nothing it
		// is sure of is said to be one, with low confidence.
		tr.Confidence = 0
	}
	tr.Unsure = l.Entry.Unsure(tr.Confidence, tr.Novelty) || !r.known
	tr.Labels = objects.LabelsFromCues(WorldCues(cues), d)
	classes := r.fz.Classes()
	tr.Presence = view
	if !l.Entry.PerClass {
		tr.Presence = l.Entry.Presence.Presence(tr.Labels, r.scores, classes, d)
	}
	if l.Baseline {
		bl := DenseLabels(r.dets, l.Entry.BaselineScore)
		tr.Baseline, err = LabelTrackCues(bl, r.times, d, l.cue())
		if err != nil {
			return nil, err
		}
		tr.BaselinePresence = l.Entry.Presence.Presence(objects.LabelsFromCues(WorldCues(tr.Baseline), d), r.scores, classes, d)
	}
	return tr, nil
}

// Evaluate labels generated videos (their detections) and scores the
// labeller and the per-frame baseline against their true tracks.
func (l *ObjectsLabeller) Evaluate(ctx context.Context, videos []ObjectsVideo) (*ObjectsReport, error) {
	truths := make([]objects.Presence, len(videos))
	for i, v := range videos {
		p, err := objects.PresenceFromTracks(v.Tracks, v.Duration)
		if err != nil {
			return nil, err
		}
		truths[i] = p
	}
	return l.EvaluatePresence(ctx, videos, truths)
}

// EvaluatePresence is Evaluate against true presence (a real clip's hand
// labels); the track scores are made only for videos with true tracks.
// Classes in ignore[i] are left out of video i's predicted presence (what
// its hand labels call present but small, partial or ambiguous).
func (l *ObjectsLabeller) EvaluatePresence(ctx context.Context, videos []ObjectsVideo, truths []objects.Presence, ignore ...[]string) (*ObjectsReport, error) {
	keep := l.Baseline
	l.Baseline = true
	defer func() { l.Baseline = keep }()
	var lab, base objectsScorer
	rep := &ObjectsReport{}
	for i, v := range videos {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tr, err := l.LabelDetections(v.Dets, v.Duration)
		if err != nil {
			return nil, err
		}
		var truthTrack []objects.Cue
		if v.Tracks != nil {
			labels, err := objects.Labels(v.Tracks, objects.Steps(v.Duration))
			if err != nil {
				return nil, err
			}
			truthTrack = objects.LabelCues(labels, v.Duration)
		}
		var ign []string
		if i < len(ignore) {
			ign = ignore[i]
		}
		lab.add(tr.Cues, truthTrack, without(tr.Presence, ign), truths[i], v.Duration)
		base.add(tr.Baseline, truthTrack, without(tr.BaselinePresence, ign), truths[i], v.Duration)
		rep.Videos++
		rep.Seconds += v.Duration.Seconds()
	}
	rep.Labeller, rep.Baseline = lab.report(rep.Seconds), base.report(rep.Seconds)
	return rep, nil
}

// without returns p less the classes of ign.
func without(p objects.Presence, ign []string) objects.Presence {
	if len(ign) == 0 {
		return p
	}
	out := make(objects.Presence, len(p))
	for s, cs := range p {
		out[s] = []string{}
		for _, c := range cs {
			if !slices.Contains(ign, c) {
				out[s] = append(out[s], c)
			}
		}
	}
	return out
}

// biasStill multiplies each step's probability of "nothing moves" by
// e.StillBias, in place.
func (e *ObjectsEntry) biasStill(m *Model, probs [][]float32) {
	if e.StillBias <= 0 || e.StillBias == 1 {
		return
	}
	i := slices.Index(m.Labels, objects.NothingMoves)
	if i < 0 {
		return
	}
	for _, p := range probs {
		p[i] *= float32(e.StillBias)
	}
}

// chooseDecoding picks, on validation videos, the smoothing penalty and
// the still bias with the best mean of step accuracy, boundary F1 and time
// accuracy (Train's validation score).
func (l *ObjectsLabeller) chooseDecoding(ctx context.Context, videos []ObjectsVideo) (float64, float64) {
	if l.Entry.PerClass {
		return l.chooseClassDecoding(ctx, videos)
	}
	var runs []decodingRun
	for _, v := range videos {
		if ctx.Err() != nil {
			break
		}
		r := l.start()
		for k, ds := range v.Dets {
			r.push(time.Duration(k)*objects.StepInterval+objects.StepInterval/2, ds)
		}
		r.stream.Flush()
		labels, err := objects.Labels(v.Tracks, objects.Steps(v.Duration))
		if err != nil || len(r.times) == 0 {
			continue
		}
		runs = append(runs, decodingRun{d: v.Duration, truth: objects.LabelCues(labels, v.Duration),
			cues: func(p, b float64) ([]Cue, error) {
				probs := make([][]float32, len(r.probs))
				for i, q := range r.probs {
					probs[i] = slices.Clone(q)
				}
				e := *l.Entry
				e.StillBias = b
				e.biasStill(l.Model, probs)
				return l.Model.Cues(r.times, probs, v.Duration, p, l.cue())
			}})
	}
	return bestDecoding(runs, []float64{1, 1.5, 2, 3, 5, 8}, l.Entry.Penalty)
}

// decodingRun is one validation video ready to decode: cues makes its
// track at a smoothing penalty and still bias.
type decodingRun struct {
	d     time.Duration
	truth []objects.Cue
	cues  func(penalty, bias float64) ([]Cue, error)
}

// bestDecoding returns the smoothing penalty and still bias (one of
// biases) whose tracks of runs have the best mean of step accuracy,
// boundary F1 and time accuracy (Train's validation score); penalty and
// 1 where there are no runs.
func bestDecoding(runs []decodingRun, biases []float64, penalty float64) (float64, float64) {
	bestP, bestB, best := penalty, 1.0, -1.0
	for _, b := range biases {
		for _, p := range []float64{0, 0.5, 1, 2, 3, 4, 6} {
			var sc objectsScorer
			for _, x := range runs {
				if cues, err := x.cues(p, b); err == nil {
					sc.add(cues, x.truth, nil, nil, x.d)
				}
			}
			r := sc.track.Report()
			if s := (r.StepAccuracy + r.F1 + r.TimeAccuracy) / 3; s > best {
				bestP, bestB, best = p, b, s
			}
		}
	}
	return bestP, bestB
}

// choose picks, on validation videos, the presence rule with the best
// presence F1 and the baseline threshold with the best step accuracy.
func (l *ObjectsLabeller) choose(ctx context.Context, videos []ObjectsVideo) (PresenceRule, float64) {
	type run struct {
		v      ObjectsVideo
		labels []objects.Label
		scores [][]float32
		truth  objects.Presence
	}
	var runs []run
	classes := l.Entry.Featurizer.Classes
	fz := l.Entry.Featurizer.New()
	for _, v := range videos {
		if ctx.Err() != nil {
			break
		}
		tr, err := l.LabelDetections(v.Dets, v.Duration)
		if err != nil {
			continue
		}
		truth, err := objects.PresenceFromTracks(v.Tracks, v.Duration)
		if err != nil {
			continue
		}
		var vecs [][]float32
		for _, d := range v.Dets {
			vecs = append(vecs, fz.Vector(d))
		}
		runs = append(runs, run{v, tr.Labels, bestScores(vecs, len(classes)), truth})
	}
	best, bestF1 := PresenceRule{MinScore: 0.3, Window: 1, Share: 1}, -1.0
	for _, withLabels := range []bool{false, true} {
		for _, ms := range []float64{0.2, 0.25, 0.3, 0.35, 0.4, 0.5} {
			for _, w := range []int{1, 3, 5, 7, 9} {
				for _, sh := range []float64{0.3, 0.5, 0.7} {
					r := PresenceRule{MinScore: ms, Window: w, Share: sh, Labels: withLabels}
					var ps objects.PresenceScorer
					for _, x := range runs {
						ps.Add(r.Presence(x.labels, x.scores, classes, x.v.Duration), x.truth)
					}
					if f := ps.Report().F1; f > bestF1 {
						best, bestF1 = r, f
					}
				}
			}
		}
	}
	bestScore, bestAcc := 0.3, -1.0
	for _, ms := range []float64{0.2, 0.25, 0.3, 0.35, 0.4, 0.5} {
		var sc objectsScorer
		for _, x := range runs {
			cues, err := LabelTrackCues(DenseLabels(x.v.Dets, ms), stepTimes(len(x.v.Dets)), x.v.Duration, l.cue())
			if err != nil {
				continue
			}
			labels, _ := objects.Labels(x.v.Tracks, objects.Steps(x.v.Duration))
			sc.add(cues, objects.LabelCues(labels, x.v.Duration), nil, nil, x.v.Duration)
		}
		if acc := sc.track.Report().StepAccuracy; acc > bestAcc {
			bestScore, bestAcc = ms, acc
		}
	}
	return best, bestScore
}
