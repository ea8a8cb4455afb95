package main

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// batch is a set of generated articles whose images the origin serves.
type batch struct {
	name     string
	dir      string // workspace; the articles are in dir/articles
	articles int
	refs     int   // image references
	unique   int   // distinct images (normalized URLs)
	bytes    int64 // of the distinct images
	keys     []string
	formats  map[string]int
}

// batchSpec says what to generate.
type batchSpec struct {
	name     string // [A-Za-z0-9]; part of every image id
	articles int
	refs     int     // per article, cover included
	shared   float64 // fraction of references to images shared between articles
	extra    []poolImage
}

var wxFmt = map[string]string{"jpeg": "jpeg", "png": "png", "gif": "gif", "webp": "webp"}

var cdnPrefix = map[string]string{"jpeg": "sz_mmbiz_jpg", "png": "sz_mmbiz_png", "gif": "sz_mmbiz_gif", "webp": "mmbiz_jpg"}

// makeBatch writes the articles of spec into a new workspace and gives
// every image to the origin. Each image has its own bytes (uniquify). The
// cover is always the article's own; of all references, about spec.shared
// go to one of articles/5 images shared between articles, written the many
// ways WeChat writes one image (other size segment, mmbiz.qlogo.cn, http,
// tp=webp).
func (e *env) makeBatch(spec batchSpec) *batch {
	h := fnv.New64a()
	h.Write([]byte(spec.name))
	rng := rand.New(rand.NewPCG(uint64(e.cfg.seed), h.Sum64()))
	b := &batch{name: spec.name, dir: e.dir("batch-" + spec.name), articles: spec.articles, formats: map[string]int{}}
	adir := filepath.Join(b.dir, "articles")
	os.MkdirAll(adir, 0o755)

	type img struct{ key, format string }
	add := func(src poolImage) img {
		id := fmt.Sprintf("ClW8NejCpBO5wpiaeicTQ4qWerbb7YlHeiaBench%sx%06dQ", spec.name, b.unique)
		key := cdnPrefix[src.format] + "/" + id
		data := uniquify(src.data, src.format, key)
		e.origin.SetImage(key, data)
		b.unique++
		b.bytes += int64(len(data))
		b.keys = append(b.keys, key)
		b.formats[src.format]++
		return img{key, src.format}
	}
	var shared []img
	for range max(1, spec.articles/5) {
		shared = append(shared, add(e.pool.pick(rng)))
	}
	extraFor := map[int][]img{}
	for i, x := range spec.extra {
		a := i % spec.articles
		extraFor[a] = append(extraFor[a], add(x))
	}
	for a := range spec.articles {
		var sb strings.Builder
		fmt.Fprintf(&sb, "# 基准测试文章 %d：%s\n\n文章作者: imgmirror bench\n发布时间: 2024-10-19 08:%02d\n发布地: 浙江\n原文链接: http://mp.weixin.qq.com/s?__biz=QmVuY2g=&mid=%d&idx=1\n\n",
			a, spec.name, a%60, 2650000000+a)
		cover := add(e.pool.pick(rng))
		fmt.Fprintf(&sb, "封面图链接: https://mmbiz.qpic.cn/%s/0?wx_fmt=%s\n\n", cover.key, wxFmt[cover.format])
		b.refs++
		inline := func(u string) {
			fmt.Fprintf(&sb, "%s\n\n![](%s)\n\n", filler(rng), u)
			b.refs++
		}
		for range spec.refs - 1 {
			if rng.Float64() < spec.shared*float64(spec.refs)/float64(max(spec.refs-1, 1)) {
				s := shared[rng.IntN(len(shared))]
				f := wxFmt[s.format]
				inline([]string{
					"https://mmbiz.qpic.cn/" + s.key + "/640?wx_fmt=" + f + "&from=appmsg",
					"https://mmbiz.qlogo.cn/" + s.key + "/0?wx_fmt=" + f,
					"http://mmbiz.qpic.cn/" + s.key + "/640?wx_fmt=" + f + "&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1",
					"https://mmbiz.qpic.cn/" + s.key + "/300?wx_fmt=" + f,
				}[rng.IntN(4)])
				continue
			}
			im := add(e.pool.pick(rng))
			inline("https://mmbiz.qpic.cn/" + im.key + "/640?wx_fmt=" + wxFmt[im.format] + "&from=appmsg")
		}
		for _, x := range extraFor[a] {
			inline("https://mmbiz.qpic.cn/" + x.key + "/640?wx_fmt=" + wxFmt[x.format] + "&from=appmsg")
		}
		sb.WriteString("**全文完**\n")
		name := filepath.Join(adir, fmt.Sprintf("article-%04d.md", a))
		if err := os.WriteFile(name, []byte(sb.String()), 0o644); err != nil {
			panic(err)
		}
	}
	return b
}

// copyArticles writes n copies of b's articles into a new workspace: the
// same image URLs, n times as many references.
func (e *env) copyArticles(b *batch, name string, n int) (*batch, error) {
	c := *b
	c.name, c.dir = name, e.dir("batch-"+name)
	c.articles, c.refs = b.articles*n, b.refs*n
	ents, err := os.ReadDir(filepath.Join(b.dir, "articles"))
	if err != nil {
		return nil, err
	}
	for i := range n {
		dst := filepath.Join(c.dir, "articles", fmt.Sprintf("copy%d", i))
		os.MkdirAll(dst, 0o755)
		for _, ent := range ents {
			data, err := os.ReadFile(filepath.Join(b.dir, "articles", ent.Name()))
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(dst, ent.Name()), data, 0o644); err != nil {
				return nil, err
			}
		}
	}
	return &c, nil
}

// drop removes b's images from the origin.
func (e *env) drop(b *batch) {
	for _, k := range b.keys {
		e.origin.SetImage(k, nil)
	}
}

var fillerText = []string{
	"访谈整理自公开演讲，内容经过删减。",
	"我们在飞速发展的技术底层上做产品，这与过去在固定平台上开发的经验截然不同。",
	"模型能力每隔几个月就会大幅提升，产品需要不断适应新的能力，并快速迭代。",
	"异步交互将彻底变革用户界面：用户交代任务，然后去做别的事情。",
	"面向开发者的战略是加速普及，让更多人受益。",
	"**要点**：先做出能用的东西，再让它变好。",
}

func filler(rng *rand.Rand) string {
	var parts []string
	for range 2 + rng.IntN(4) {
		parts = append(parts, fillerText[rng.IntN(len(fillerText))])
	}
	return strings.Join(parts, "")
}

// formatList says how many images of each format the batch has.
func (b *batch) formatList() string {
	var parts []string
	for _, f := range []struct{ key, name string }{{"jpeg", "JPEG"}, {"png", "PNG"}, {"gif", "GIF"}, {"webp", "WebP"}} {
		if n := b.formats[f.key]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, f.name))
		}
	}
	return strings.Join(parts, ", ")
}
