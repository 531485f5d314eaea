package media

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ffmpeg's showinfo filter logs one line per frame that passes it, e.g.
//
//	[Parsed_showinfo_2 @ 0x55b8ebb073c0] [info] n:   0 pts:      0 pts_time:0       pos: 48 fmt:rgb24 ...
//
// (with -loglevel level+info). pts_time is the presentation time in seconds on
// the filter graph's clock, which ffmpeg starts at the file's start time, so it
// is the time a player shows. The frame's side data follows on other lines
// with the same prefix but no "n:".

// showinfoMarker is what sets a frame line apart from the lines around it.
const showinfoMarker = "] [info] n:"

// parseShowinfo reads the frame number and presentation time from a showinfo
// frame line; ok is false for any other line or a frame without a time.
func parseShowinfo(line string) (n int, t time.Duration, ok bool) {
	i := strings.Index(line, showinfoMarker)
	if i < 0 || !strings.Contains(line[:i], "showinfo") {
		return 0, 0, false
	}
	rest := line[i+len(showinfoMarker):]
	num, rest := nextField(rest)
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, 0, false
	}
	j := strings.Index(rest, "pts_time:")
	if j < 0 {
		return 0, 0, false
	}
	val, _ := nextField(rest[j+len("pts_time:"):])
	sec, err := strconv.ParseFloat(val, 64)
	if err != nil || math.IsNaN(sec) || math.IsInf(sec, 0) || math.Abs(sec) > 1e9 {
		return 0, 0, false // "NOPTS" and nonsense
	}
	return n, time.Duration(math.Round(sec * float64(time.Second))), true
}

// nextField skips spaces and returns the run of non-space bytes that follows,
// and what is after it.
func nextField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// logLevel returns the level tag of an ffmpeg log line written with
// -loglevel level+...: "error" for "[h264 @ 0x1] [error] ..." or
// "[error] ...", and the message after it.
func logLevel(line string) (level, msg string) {
	for _, lv := range [...]string{"[panic] ", "[fatal] ", "[error] ", "[warning] ", "[info] "} {
		if i := strings.Index(line, lv); i >= 0 {
			return lv[1 : len(lv)-2], strings.TrimSpace(line[i+len(lv):])
		}
	}
	return "", strings.TrimSpace(line)
}
