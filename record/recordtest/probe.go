// Package recordtest holds test helpers for recordings, shared by the
// record package's tests and the command's.
package recordtest

import (
	"bytes"
	"encoding/json"
	"image/gif"
	"os"
	"os/exec"
	"testing"
)

// ProbeResult is what ffprobe says of a video's first stream.
type ProbeResult struct {
	Codec, PixFmt, Rate string
	Width, Height       int
	Frames              int
	Comment, Title      string
}

// Probe runs ffprobe on path, decoding every frame to count them; any
// message on its stderr (a damaged file) fails tb.
func Probe(tb testing.TB, path string) ProbeResult {
	tb.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames:format_tags=comment,title",
		"-of", "json", path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		tb.Fatalf("ffprobe %s: %v: %s", path, err, errb.String())
	}
	var j struct {
		Streams []struct {
			CodecName    string `json:"codec_name"`
			PixFmt       string `json:"pix_fmt"`
			Width        int    `json:"width"`
			Height       int    `json:"height"`
			RFrameRate   string `json:"r_frame_rate"`
			NbReadFrames string `json:"nb_read_frames"`
		} `json:"streams"`
		Format struct {
			Tags map[string]string `json:"tags"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out.Bytes(), &j); err != nil || len(j.Streams) != 1 {
		tb.Fatalf("ffprobe %s: %v: %s", path, err, out.String())
	}
	s := j.Streams[0]
	var frames int
	json.Unmarshal([]byte(s.NbReadFrames), &frames)
	return ProbeResult{Codec: s.CodecName, PixFmt: s.PixFmt, Rate: s.RFrameRate, Width: s.Width, Height: s.Height,
		Frames: frames, Comment: j.Format.Tags["comment"], Title: j.Format.Tags["title"]}
}

// DecodeGIF decodes every frame of the GIF at path; an unreadable or
// damaged file fails tb.
func DecodeGIF(tb testing.TB, path string) *gif.GIF {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		tb.Fatalf("decode %s: %v", path, err)
	}
	return g
}
