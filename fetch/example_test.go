package fetch_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"

	"github.com/imgmirror/imgmirror/fetch"
)

func ExampleFetcher_Fetch() {
	f, err := fetch.New(fetch.Options{
		UserAgent: "imgmirror/0.1.0 (+https://github.com/imgmirror/imgmirror)",
		Allow:     func(u *url.URL) bool { return u.Hostname() == "mmbiz.qpic.cn" },
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := f.Fetch(context.Background(),
		"https://mmbiz.qpic.cn/mmbiz_jpg/abc/0?wx_fmt=jpeg",   // original size
		"https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg") // as written
	if err != nil {
		log.Fatal(err) // an *fetch.Error: errors.Is(err, fetch.ErrPlaceholder), ...
	}
	defer res.Close()
	fmt.Println(res.SHA256, res.Format.Ext, res.Size)
	io.Copy(os.Stdout, res.NewReader())
}
