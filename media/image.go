package media

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"strings"

	"gocv.io/x/gocv"
)

// Default bounds on images.
const (
	// DefaultMaxPixels is the pixel limit when ImageOptions.MaxPixels is 0.
	DefaultMaxPixels = 100_000_000
	// DefaultMinSide is the smallest width or height accepted when
	// ImageOptions.MinSide is 0.
	DefaultMinSide = 16
)

const defaultMaxPixels = DefaultMaxPixels

// ImageOptions says how LoadImage decodes and sizes an image.
type ImageOptions struct {
	// Width and Height of the output; 0x0 keeps the image's displayed size,
	// and one side 0 follows the aspect ratio.
	Width, Height int
	Fit           Fit // how the picture meets an output of another aspect ratio
	// MaxPixels refuses images whose header declares more pixels than this
	// before anything is decoded; 0 means DefaultMaxPixels.
	MaxPixels int
	// MinSide refuses images narrower or shorter than this; 0 means
	// DefaultMinSide.
	MinSide int
}

// LoadImage decodes a JPEG, PNG, WebP, BMP or TIFF file into an RGB Frame in
// display orientation (EXIF orientation applied), sized as opts says.
//
// Before OpenCV sees a byte, the header is read here and the declared size
// checked against opts (OpenCV throws on gigantic sizes, which through cgo
// aborts the process), and JPEG and PNG data is checked for corruption
// (OpenCV turns a damaged JPEG into garbage with only a warning).
func LoadImage(ctx context.Context, path string, opts ImageOptions) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, fileErr(path, "interrupted", err)
	}
	maxPixels := opts.MaxPixels
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	minSide := opts.MinSide
	if minSide <= 0 {
		minSide = DefaultMinSide
	}
	if opts.Width < 0 || opts.Height < 0 {
		panic(fmt.Sprintf("media: LoadImage: negative output size %dx%d", opts.Width, opts.Height))
	}
	in, err := openInput(path)
	if err != nil {
		return Frame{}, err
	}
	defer in.f.Close()
	if in.format == "" {
		return Frame{}, fileErr(path, "not a JPEG, PNG, WebP, BMP or TIFF image")
	}
	data, err := in.readAll(maxPixels)
	if err != nil {
		return Frame{}, err
	}
	in.f.Close()
	name := strings.ToUpper(in.format)
	h, err := parseImageHeader(in.format, data)
	if err != nil {
		return Frame{}, fileErr(path, fmt.Sprintf("corrupt %s header: %v", name, err), ErrCorrupt)
	}
	if err := checkImageSize(h, minSide, maxPixels); err != nil {
		return Frame{}, &Error{Path: path, Err: err}
	}
	switch in.format {
	case FormatJPEG:
		err = jpegCheck(data)
	case FormatPNG:
		err = pngCheck(data)
	}
	if err != nil {
		return Frame{}, fileErr(path, fmt.Sprintf("corrupt %s: %v", name, err), ErrCorrupt)
	}
	if err := ctx.Err(); err != nil {
		return Frame{}, fileErr(path, "interrupted", err)
	}
	f, err := decodeImage(data, h, opts)
	if err != nil {
		return Frame{}, fileErr(path, fmt.Sprintf("corrupt %s: %v", name, err), ErrCorrupt)
	}
	return f, nil
}

func checkImageSize(h imageHeader, minSide, maxPixels int) error {
	w, ht := h.DisplaySize()
	if w < minSide || ht < minSide {
		return &reason{msg: fmt.Sprintf("image is %dx%d, smaller than the %dx%d minimum", w, ht, minSide, minSide), errs: []error{ErrImageSize}}
	}
	if px := int64(w) * int64(ht); px > int64(maxPixels) {
		return &reason{msg: fmt.Sprintf("image is %dx%d (%.0f megapixels), over the limit of %g megapixels", w, ht, float64(px)/1e6, float64(maxPixels)/1e6), errs: []error{ErrImageSize}}
	}
	return nil
}

// decoderOrients lists the formats whose EXIF orientation OpenCV 4.6's
// imdecode applies itself (found by TestOpenCVOrientation): JPEG and PNG
// (eXIf) through its EXIF reader, TIFF through libtiff. It ignores the EXIF
// chunk of WebP, so that one is applied here.
func decoderOrients(format string) bool {
	return format == FormatJPEG || format == FormatPNG || format == FormatTIFF
}

// decodeImage decodes data with OpenCV and returns it oriented, sized and in
// RGB. Every Mat is closed before it returns.
func decodeImage(data []byte, h imageHeader, opts ImageOptions) (Frame, error) {
	if h.Format == FormatPNG {
		data = withoutICCP(data)
	}
	m, err := gocv.IMDecode(data, gocv.IMReadColor)
	if err != nil {
		return Frame{}, fmt.Errorf("OpenCV: %w", err)
	}
	defer m.Close()
	if m.Empty() {
		return Frame{}, fmt.Errorf("OpenCV could not decode it")
	}
	if m.Type() != gocv.MatTypeCV8UC3 {
		return Frame{}, fmt.Errorf("OpenCV decoded it as %v, not 8-bit BGR", m.Type())
	}
	if !decoderOrients(h.Format) && h.Orientation != 1 {
		orient(&m, h.Orientation)
	}
	sw, sh := m.Cols(), m.Rows()
	w, ht := outputSize(sw, sh, opts.Width, opts.Height)
	if w != sw || ht != sh {
		sized := gocv.NewMat()
		fitMat(m, &sized, w, ht, opts.Fit)
		m.Close()
		m = sized
	}
	rgb := gocv.NewMat()
	defer rgb.Close()
	gocv.CvtColor(m, &rgb, gocv.ColorBGRToRGB)
	pix, err := rgb.DataPtrUint8()
	if err != nil {
		return Frame{}, err
	}
	f := Frame{Width: rgb.Cols(), Height: rgb.Rows(), Pix: make([]byte, len(pix))}
	copy(f.Pix, pix)
	if len(f.Pix) != f.Width*f.Height*3 {
		return Frame{}, fmt.Errorf("decoded %d bytes for %dx%d", len(f.Pix), f.Width, f.Height)
	}
	return f, nil
}

// orient applies EXIF orientation o to m in place, as OpenCV's own
// ApplyExifOrientation does: 2 mirror, 3 turn 180, 4 flip, 5 transpose,
// 6 turn 90 clockwise, 7 transverse, 8 turn 90 anticlockwise.
func orient(m *gocv.Mat, o int) {
	if o >= 5 {
		t := gocv.NewMat()
		gocv.Transpose(*m, &t)
		m.Close()
		*m = t
	}
	code, flip := 0, true
	switch o {
	case 2, 6:
		code = 1
	case 3, 7:
		code = -1
	case 4, 8:
		code = 0
	default:
		flip = false
	}
	if flip {
		gocv.Flip(*m, m, code)
	}
}

// fitMat sizes src into dst (w x h) under fit; see place.
func fitMat(src gocv.Mat, dst *gocv.Mat, w, h int, fit Fit) {
	p := place(src.Cols(), src.Rows(), w, h, fit)
	interp := gocv.InterpolationArea
	if p.ScaleW > src.Cols() || p.ScaleH > src.Rows() {
		interp = gocv.InterpolationLinear
	}
	switch fit {
	case Pad:
		scaled := gocv.NewMat()
		defer scaled.Close()
		gocv.Resize(src, &scaled, image.Pt(p.ScaleW, p.ScaleH), 0, 0, interp)
		gocv.CopyMakeBorder(scaled, dst, p.Y, h-p.ScaleH-p.Y, p.X, w-p.ScaleW-p.X, gocv.BorderConstant, color.RGBA{A: 255})
	case Crop:
		scaled := gocv.NewMat()
		defer scaled.Close()
		gocv.Resize(src, &scaled, image.Pt(p.ScaleW, p.ScaleH), 0, 0, interp)
		win := scaled.Region(image.Rect(p.X, p.Y, p.X+w, p.Y+h))
		defer win.Close()
		win.CopyTo(dst)
	default:
		gocv.Resize(src, dst, image.Pt(w, h), 0, 0, interp)
	}
}
