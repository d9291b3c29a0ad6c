package settings

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// Platform is a streaming platform a destination may push to: where its
// page shows the server and the key, what the key looks like, and the
// rules its ingest sets (see Rules and Stream.Violations). The facts come
// from the public pages listed in Sources; what could not be sourced is
// left out rather than guessed.
type Platform struct {
	// ID names the platform in code and files: "youtube", "twitch",
	// "facebook", "bilibili", "douyin", "huya", "kuaishou",
	// "wechat-channels"; "" for a custom server.
	ID string
	// Name is the English display name.
	Name string
	// Server is the fixed server URL the platform's page shows, without
	// the key; "" when it differs per account or broadcast (then Where says
	// where to copy it from).
	Server string
	// Hosts are host-name suffixes that identify the platform in a
	// destination URL (see PlatformOf).
	Hosts []string
	// Where says, in one English sentence, where on the platform the
	// streamer finds the server address and the key, with the menu path as
	// the platform names it (in Chinese for the Chinese platforms).
	Where string
	// KeyHint says what the key looks like, in English; "" if nothing
	// special.
	KeyHint string
	// Rules are what the platform's ingest accepts.
	Rules Rules
	// Sources are the public pages the facts come from.
	Sources []string
}

// Where the facts come from: OBS Studio's list of services (its
// "recommended" settings and servers) and the platforms' own pages.
const (
	srcOBS = "https://github.com/obsproject/obs-studio/blob/ca937366c1e9fc7f22fd5f1c7d3a3a5f7951170b/plugins/rtmp-services/data/services.json"

	srcYouTubeEncoder = "https://support.google.com/youtube/answer/2853702"
	srcYouTubeErrors  = "https://support.google.com/youtube/answer/3006768"
	srcYouTubeRTMPS   = "https://developers.google.com/youtube/v3/live/guides/rtmps-ingestion"
	srcYouTubeAudio   = "https://web.archive.org/web/20140817/https://support.google.com/youtube/answer/2853702?hl=ja"

	srcTwitchCamp     = "https://www.twitch.tv/creatorcamp/en/paths/going-live/broadcast-recommendations"
	srcTwitchReq      = "https://help.twitch.tv/customer/portal/articles/1253460-broadcast-requirements"
	srcTwitchSettings = "https://restream.io/integrations/twitch/best-live-streaming-settings-for-twitch/"

	srcFacebookRef = "https://developers.facebook.com/docs/live-video-api/reference"

	srcBilibiliStart = "https://link.bilibili.com/p/center/index#/my-room/start-live"
	srcBilibiliHelp  = "https://link.bilibili.com/p/help/index?id=4#/tools-tutorial"
	srcBilibiliCamIn = "https://github.com/CamInApp/camin.github.io/blob/e0482d835fb5f285f9f0e319b7468889cff4de37/zh-cn/features/go-live/shi-yong-camin-kai-ying-xiang-bi-li-bi-libzhan-zhi-bo.md"
	srcBilibiliKey   = "https://github.com/kavencat/live/blob/HEAD/var_set.py"

	srcDouyinCamIn = "https://github.com/CamInApp/camin.github.io/blob/e0482d835fb5f285f9f0e319b7468889cff4de37/zh-cn/features/go-live/stream-to-douyin.md"

	srcHuyaGuide = "https://neustream.app/help/platforms/huya"
	srcHuyaSplit = "https://php.wlsqs.com/faq/1892702.html"

	srcKuaishouCamIn = "https://github.com/CamInApp/camin.github.io/blob/184692458e00ccc53dbbecb63429091b79315f5f/zh-cn/features/go-live/stream-to-douyin-1.md"
	srcKuaishouOryx  = "https://github.com/ossrs/oryx/blob/9b475d9d52be54234d3d77383ec69f1085581c12/ui/src/resources/locale.json"

	srcWeChatCamIn = "https://github.com/CamInApp/camin.github.io/blob/184692458e00ccc53dbbecb63429091b79315f5f/zh-cn/features/go-live/stream-to-channels.md"
	srcWeChatSRS   = "https://github.com/ossrs/srs-docs/blob/87f217740a56f176c6be2285ffe81cd889088e38/i18n/zh-cn/docusaurus-plugin-content-blog/2022-06-30-Video-Chat-Live.md"
)

// platforms are the presets, in the order the window lists them. Never
// modified: Platforms and the lookups return copies.
var platforms = []Platform{
	{
		ID:     "youtube",
		Name:   "YouTube",
		Server: "rtmps://a.rtmps.youtube.com/live2",
		Hosts:  []string{"youtube.com"},
		Where:  "In YouTube Studio, Create › Go live › Stream: copy the Stream URL and the Stream key (the key stays the same from one broadcast to the next unless you reset it).",
		Rules: Rules{
			// YouTube warns above 4 s ("use a keyframe frequency of four
			// seconds or less"); 2 s is recommended and what OBS sends.
			KeyframeMax:  4 * time.Second,
			VideoMaxKbps: 51000, // OBS "max video bitrate"
			AudioMaxKbps: 160,   // OBS "max audio bitrate"
			// OBS: h264, hevc, av1 (HEVC and AV1 over Enhanced RTMP).
			VideoCodecs: []string{CodecH264, CodecH265},
			AudioCodecs: []string{CodecAAC}, // YouTube takes AAC or MP3; the relay sends AAC
			// The encoder page's table goes up to 2160p at 60 fps.
			MaxFPS: 60, MaxWidth: 3840, MaxHeight: 2160,
			// A stream without sound never goes live (the 2014 encoder
			// page: "AAC-LC (audio required)"; maintainers of relays say
			// the same).
			AudioRequired: true,
		},
		Sources: []string{srcOBS, srcYouTubeEncoder, srcYouTubeErrors, srcYouTubeRTMPS, srcYouTubeAudio},
	},
	{
		ID:     "twitch",
		Name:   "Twitch",
		Server: "rtmp://live.twitch.tv/app",
		Hosts:  []string{"twitch.tv"},
		Where:  "In the Twitch Creator Dashboard, Settings › Stream: copy the Primary Stream key (the server is rtmp://live.twitch.tv/app, which picks the nearest ingest).",
		Rules: Rules{
			KeyframeMax:  2 * time.Second, // "Keyframe Interval: 2 seconds", OBS keyint 2
			VideoMaxKbps: 6000,            // OBS "max video bitrate" (Creator Camp: 3-6 Mbps)
			AudioMaxKbps: 320,             // OBS and Creator Camp: 320 kb/s AAC
			VideoCodecs:  []string{CodecH264},
			AudioCodecs:  []string{CodecAAC},
			Profiles:     []string{ProfileBaseline, ProfileMain}, // "Main (preferred) or Baseline"
			// Frame rates 25/30 or 50/60; the top tier is 1080p60, no 4K.
			MaxFPS: 60, MaxWidth: 1920, MaxHeight: 1080,
		},
		Sources: []string{srcOBS, srcTwitchCamp, srcTwitchReq, srcTwitchSettings},
	},
	{
		ID:      "facebook",
		Name:    "Facebook",
		Server:  "rtmps://live-api-s.facebook.com:443/rtmp/",
		Hosts:   []string{"facebook.com"},
		Where:   "In Facebook Live Producer (facebook.com/live/producer), choose Streaming software: copy the Server URL and the Stream key (a new key per broadcast unless you choose a persistent one).",
		KeyHint: "starts with FB- and may end with a query such as ?s_bl=1&…: paste all of it",
		Rules: Rules{
			// "Key Frame Size — Recommended 2 seconds. Do not exceed 4
			// seconds."
			KeyframeMax:  4 * time.Second,
			VideoMaxKbps: 9000, // 1080p60 range 4500-9000 kb/s; OBS 9000
			AudioMaxKbps: 256,  // "128 kbps (preferred) to 256 kbps (do not exceed)"
			VideoCodecs:  []string{CodecH264},
			AudioCodecs:  []string{CodecAAC},
			// The table stops at 1080p60; OBS "max fps" 60.
			MaxFPS: 60, MaxWidth: 1920, MaxHeight: 1080,
			RTMPS:         true, // "Protocol — RTMPS Streaming"
			AudioRequired: true, // "Include both audio and video data"
		},
		Sources: []string{srcOBS, srcFacebookRef},
	},
	{
		ID:      "bilibili",
		Name:    "Bilibili",
		Server:  "rtmp://live-push.bilivideo.com/live-bvc/",
		Hosts:   []string{"bilivideo.com"},
		Where:   "On link.bilibili.com, 直播中心 › 我的直播间 › 开播设置: choose the area, click 开始直播, then copy 服务器地址 and 串流密钥 (copy them again each time you start a broadcast).",
		KeyHint: "starts with ?streamname=live_ and carries &key=…: paste all of it, question mark included",
		Rules: Rules{
			// OBS lists h264 and hevc. No bitrate, keyframe, frame rate
			// or size limit could be sourced: Bilibili's help (the tools
			// tutorial) is an app page that is not stored, and searches
			// of pages and code for 码率/关键帧/分辨率 found only
			// third-party advice.
			VideoCodecs: []string{CodecH264, CodecH265},
		},
		Sources: []string{srcOBS, srcBilibiliStart, srcBilibiliHelp, srcBilibiliCamIn, srcBilibiliKey},
	},
	{
		ID:    "douyin",
		Name:  "Douyin",
		Hosts: []string{"douyincdn.com"},
		// The push address seen in public code is
		// rtmp://push-rtmp-*.douyincdn.com/{third|stage}/stream-…?… and
		// changes with every broadcast.
		Where:   "Douyin gives no RTMP push address officially (computers go live through 抖音直播伴侣); where an account is given one, copy the 推流地址 and 推流密钥 shown when the broadcast starts, again for every broadcast, as they expire.",
		KeyHint: "stream-… followed by a query (expire=, sign= or auth_key=…): paste all of it; a full push address pasted as the server also works",
		// No rule could be sourced: Douyin publishes no ingest
		// requirements (searched pages and code for 抖音 推流 码率,
		// 关键帧, OBS 推流设置: third-party advice only), and OBS has no
		// Douyin entry.
		Sources: []string{srcDouyinCamIn},
	},
	{
		ID:    "huya",
		Name:  "Huya",
		Hosts: []string{"huya.com"},
		// Servers seen: rtmp://al.direct.huya.com/huyalive/ and
		// rtmp://tx.direct.huya.com/huyalive/ (the line differs), so none
		// is preset.
		Where:   "On huya.com, in the broadcaster tools (开播工具), 我的直播间 › 开播设置: copy the 流地址 (such as rtmp://al.direct.huya.com/huyalive/) and the 串流密钥.",
		KeyHint: "the part after huyalive/: numbers and dashes followed by ?seq=…&type=simple; paste all of it",
		// No rule could be sourced: OBS has no Huya entry and searches
		// for 虎牙 推流 码率/关键帧 found only third-party advice.
		Sources: []string{srcHuyaGuide, srcHuyaSplit},
	},
	{
		ID:    "kuaishou",
		Name:  "Kuaishou",
		Hosts: []string{"yximgs.com"},
		// OBS presets rtmp://open-push.voip.yximgs.com/gifshow/, but the
		// addresses seen in public code differ (aliyun-open-push,
		// txyun-open-push; gifshow or livecloud), so none is preset.
		Where:   "Kuaishou opens RTMP pushing only to media, government and verified business accounts: on studio.kuaishou.com, 直播列表, create a live (创建直播) and copy its 推流地址 and 推流密钥.",
		KeyHint: "kwai_… or kszt_… followed by ?sign=…: paste all of it",
		Rules: Rules{
			// OBS lists h264 only. No bitrate, keyframe, frame rate or size
			// limit could be sourced (OBS has none; searches for 快手 推流
			// 码率 found only third-party advice).
			VideoCodecs: []string{CodecH264},
		},
		Sources: []string{srcOBS, srcKuaishouCamIn, srcKuaishouOryx},
	},
	{
		ID:   "wechat-channels",
		Name: "WeChat Channels",
		// The server is rtmp://NNNNNN.livepush.myqcloud.com/trtc_NNNNNNNNNN/
		// (Tencent Cloud's push domain, shared with its other customers, so
		// it does not identify the platform: no Hosts).
		Where:   "In 视频号助手 (channels.weixin.qq.com), 直播管理 › 直播间管理 › 创建: copy the 推流地址 and 推流密钥 from the live's settings (they change with every live you create; the account must be verified, 认证).",
		KeyHint: "live_… followed by ?txSecret=…&txTime=…: paste all of it",
		// No rule could be sourced: Tencent publishes none for 视频号 and
		// OBS has no entry (searched pages and code for 视频号 推流 码率).
		Sources: []string{srcWeChatCamIn, srcWeChatSRS},
	},
}

// custom is the preset of any other RTMP(S) server.
var custom = Platform{
	Name:  "Custom RTMP/RTMPS",
	Where: "Copy the server URL (rtmp:// or rtmps://) and the stream key your server or platform shows; a full push URL pasted as the server, key included, works too.",
}

// Platforms returns the platform presets: YouTube, Twitch, Facebook,
// Bilibili, Douyin, Huya, Kuaishou and WeChat Channels, in that order.
// The result is a copy the caller may change.
func Platforms() []Platform {
	out := make([]Platform, len(platforms))
	for i, p := range platforms {
		out[i] = p.clone()
	}
	return out
}

// CustomPlatform is the preset of a server that is none of Platforms: no
// server, no rules. Its ID is "".
func CustomPlatform() Platform { return custom.clone() }

// PlatformByID returns the platform with that ID; "" is CustomPlatform.
func PlatformByID(id string) (Platform, bool) {
	if id == "" {
		return CustomPlatform(), true
	}
	for _, p := range platforms {
		if p.ID == id {
			return p.clone(), true
		}
	}
	return Platform{}, false
}

// PlatformOf returns the platform a destination pushes to, known by its
// URL's host name (case-insensitively, as the host or a subdomain of one of
// the platform's Hosts). A Local HLS destination, a URL that names no known
// platform and one that does not parse give CustomPlatform and false.
func PlatformOf(d Destination) (Platform, bool) {
	if d.IsLocalHLS() {
		return CustomPlatform(), false
	}
	host := urlHost(d.URL)
	if host == "" {
		return CustomPlatform(), false
	}
	for _, p := range platforms {
		for _, h := range p.Hosts {
			if hostIs(host, h) {
				return p.clone(), true
			}
		}
	}
	return CustomPlatform(), false
}

// urlHost returns the lower-case host name of an RTMP(S) URL (without user
// info, port or brackets), or "".
func urlHost(u string) string {
	_, authority, _, _, _ := media.SplitRTMP(strings.TrimSpace(u))
	if authority == "" || !strings.Contains(u, "://") {
		return ""
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	authority, _, _ = strings.Cut(authority, "?")
	p, err := url.Parse("rtmp://" + authority)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(p.Hostname()), ".")
}

// hostIs reports whether host is suffix or a subdomain of it.
func hostIs(host, suffix string) bool {
	suffix = strings.ToLower(suffix)
	return host == suffix || strings.HasSuffix(host, "."+suffix)
}

func (p Platform) clone() Platform {
	p.Hosts = slices.Clone(p.Hosts)
	p.Sources = slices.Clone(p.Sources)
	p.Rules = p.Rules.clone()
	return p
}

// SplitPushURL splits a full push URL, as some platforms show it (server
// and key in one: rtmp://host/app/stream?sign=…), into the server URL and
// the key, where the publisher splits it: the key is the last path element
// with everything after it (the query included), the server the rest. When
// the key is all query (Bilibili's ".../live-bvc/?streamname=…") the server
// keeps its trailing slash and the key its question mark. ok is false when
// u holds no key (a server URL as platforms show it) or is not an RTMP(S)
// URL. For these shapes Destination{URL: server, Key: key}.IngestURL() is u
// again.
func SplitPushURL(u string) (server, key string, ok bool) {
	s := strings.TrimSpace(u)
	if !strings.Contains(s, "://") {
		return "", "", false
	}
	scheme, authority, app, key, hasKey := media.SplitRTMP(s)
	switch strings.ToLower(scheme) {
	case "rtmp", "rtmps":
	default:
		return "", "", false
	}
	if authority == "" || !hasKey || app == "" || key == "" {
		return "", "", false
	}
	server = scheme + "://" + authority + "/" + app
	if strings.HasPrefix(key, "?") {
		server += "/"
	}
	return server, key, true
}

// HasKey reports whether the destination carries a stream key: in Key, or
// in a URL pasted whole (see SplitPushURL). A Local HLS destination needs
// none and reports false.
func (d Destination) HasKey() bool {
	if d.IsLocalHLS() {
		return false
	}
	if strings.TrimSpace(d.Key) != "" {
		return true
	}
	_, _, ok := SplitPushURL(d.URL)
	return ok
}
