package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

// The window's Chinese faces: Noto Sans CJK SC cut down by fonts/subset.sh
// to what the window writes and the 6763 hanzi of GB 2312 (2.8 MB each),
// under the SIL Open Font License (fonts/LICENSE-OFL.txt).
var (
	//go:embed fonts/NotoSansSC-Regular.otf
	chineseRegular []byte
	//go:embed fonts/NotoSansSC-Bold.otf
	chineseBold []byte

	// ChineseFont and ChineseFontBold are the regular and bold faces.
	ChineseFont     = fyne.NewStaticResource("NotoSansSC-Regular.otf", chineseRegular)
	ChineseFontBold = fyne.NewStaticResource("NotoSansSC-Bold.otf", chineseBold)
)
