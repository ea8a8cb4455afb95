package demo

import (
	"embed"
	"io/fs"
)

// assets holds the embedded files. embed.FS is read-only.
//
//go:embed assets
var assets embed.FS

// articleFile is the name of the sample article inside the assets.
const articleFile = "sample-article.md"

// asset ties a WeChat image key to the asset file that holds its bytes.
type asset struct {
	key  string // "<prefix>/<id>", as in the article's URLs
	file string // name under assets/
}

// account is the made-up per-account prefix that WeChat image ids start with.
const account = "Pb5xKmRvQ2Lnwpiaeic9Hs4tYedl7ZoNeia"

// manifest lists the images the sample article references.
func manifest() []asset {
	return []asset{
		{"sz_mmbiz_jpg/" + account + "VYiaZic9q5pjrMZVDKmHYEmjiaWicKkLEia4LeFFQ027iaHsQ", "photo-aqua.jpg"},
		{"mmbiz_jpg/" + account + "SibVvx3ibHFia9LEGwsyouTxgvyiaRxACE3HYAcibEQPOmiiaw", "photo-storm.jpg"},
		{"mmbiz_jpg/" + account + "Nib9rootZ38bJd8eWhlZWbwTJxmVRar2KDsPmBiaTPbibNorA", "photo-greentraditional.jpg"},
		{"mmbiz_jpg/" + account + "iLAK9dsHia1Swg3vicxiciaiaU15ZicONPSJhiasSeFd8NSNg", "exif-orientation-6.jpg"},
		{"mmbiz_png/" + account + "UkMInh5tnrJmiaNDXb66qKlGibavdib4oib2iaZkd0hq69TTw", "diagram-spring.png"},
		{"mmbiz_jpg/" + account + "qoPibNJTBGZSe54icugOt1NnJSDeicoiaicLIGoeszYf9kv7A", "webp-ladybird.webp"},
		{"mmbiz_gif/" + account + "8ewiaic6bAJruciaia443ibMsfnQKXXcfroH5mNXLicqsBsVQ", "anim-flowers.gif"},
		{"sz_mmbiz_jpg/" + account + "ktCAEXERiaAmvib7dr9UibLZlOibdAiaiaPCYCQeyE3iaicXw", "photo-garden.jpg"},
	}
}

// Article returns the bundled sample article, a WeChat article export in
// Markdown. Each call returns a fresh copy.
func Article() []byte {
	return mustRead(articleFile)
}

// Images returns the bundled images keyed by WeChat path "<prefix>/<id>" as
// used in Article (for example "sz_mmbiz_jpg/Pb5x..."), with their bytes.
// The map and the byte slices are fresh copies the caller may modify.
func Images() map[string][]byte {
	m := make(map[string][]byte)
	for _, im := range manifest() {
		m[im.key] = mustRead(im.file)
	}
	return m
}

// Files returns, for each key in Images, the name of the asset file in FS
// that holds the image (for example "webp-ladybird.webp"), which tells what
// the bytes really are whatever the article's URL claims.
func Files() map[string]string {
	m := make(map[string]string)
	for _, im := range manifest() {
		m[im.key] = im.file
	}
	return m
}

// FS exposes the raw assets: the article, the images under their file names,
// ATTRIBUTION.md and the upstream copyright file.
func FS() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("demo: " + err.Error()) // cannot happen: "assets" is a valid path
	}
	return sub
}

// mustRead returns the named embedded asset. The assets are compiled in, so
// a failure is a programming error.
func mustRead(name string) []byte {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic("demo: " + err.Error())
	}
	return b
}
