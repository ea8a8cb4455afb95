// Package thumbs makes small JPEG or PNG thumbnails of archived article
// images (JPEG, PNG, GIF and WebP) and probes image dimensions without
// decoding pixels.
//
// # Safety
//
// Images come from the network, so every input is treated as hostile:
//
//   - The header is read with the format's DecodeConfig first. An image whose
//     width*height exceeds [Options.MaxPixels] is never decoded: Make returns
//     a Result with a Reason. A width or height that is not positive, or a
//     header the decoder itself rejects (such as a PNG too big for
//     image/png's arithmetic), is an error. For WebP the VP8X canvas size is
//     read directly, so canvases too big even for DecodeConfig are reported
//     as "too many pixels" too.
//   - GIF frames are counted by walking the block structure (no LZW
//     decoding, constant memory, work linear in the file size, stopping one
//     frame past [Options.MaxFrames]) before the first frame is decoded.
//   - Only the first frame of an animated GIF is decoded.
//   - Panics inside the third-party decoders are turned into errors.
//
// Peak memory for an accepted image is roughly its pixel count (at most
// MaxPixels) times the decoded bytes per pixel (1.5 for typical JPEG and
// lossy WebP, 4 for 8-bit RGBA PNG, 8 for 16-bit PNG, more during progressive
// JPEG decoding), plus a fraction of that for the largest thumbnail. A
// refused image costs a few kilobytes (TestBombsAreNotDecoded).
//
// # Thumbnails
//
// A thumbnail is made for every requested width strictly narrower than the
// displayed image; a width equal to or wider than the image is listed in
// [Result.Skipped] (the original serves: there is no upscaling and no
// same-size re-encode). Heights keep the aspect ratio, rounded to the nearest
// pixel (at least 1). Widths that are not positive are skipped too; repeated
// widths are made once.
//
// JPEG EXIF orientation (all eight values) is honoured: dimensions in
// [Result] and in every [Thumb] are those of the upright image. Other
// formats' orientation metadata (PNG eXIf, WebP EXIF chunks) is ignored.
//
// Thumbnails whose source has any pixel that is not fully opaque are encoded
// as PNG so transparency survives; everything else becomes a JPEG (quality
// [Options.JPEGQuality]). The decision looks at the actual pixels, not at the
// colour model: a PNG with an alpha channel whose pixels are all opaque, or a
// GIF whose transparent palette entry is never used, becomes a JPEG, which is
// several times smaller than the PNG would be.
//
// # Speed
//
// The image is decoded once. Thumbnails are made from the largest to the
// smallest: each one is resampled from the smallest already available image
// (the decoded original or a larger thumbnail) that is about twice its size
// or more, so 320 px comes from the 640 px thumbnail rather than from the
// original. When the remaining scale factor is 4 or more the source is first
// box-filtered by an integer factor to about twice the target size. The
// final step is a separable Lanczos resampling in fixed-point arithmetic:
// Lanczos-2 for reductions by less than 2 (the largest thumbnail of a
// typical 1080 px image), Lanczos-3 otherwise. JPEG and opaque WebP are
// resampled directly in Y'CbCr with chroma left subsampled, so the common
// JPEG-to-JPEG path does no colour conversion at all. EXIF mirroring is
// folded into the resampling weights and rotation is a transpose of the
// small thumbnail, never of the original. Images with transparency are
// resampled premultiplied, as 8-bit RGBA. Quality is checked against
// imaging.Resize with Lanczos (see TestQuality).
//
// Make and Probe are pure functions of their inputs and safe for concurrent
// use; each call works single-threaded, so callers control parallelism.
package thumbs
