; Relay Studio's Windows installer (NSIS 3, 64-bit). Built by
; .ci/package-windows.sh, which passes:
;   VERSION    the version shown (0.1.0)
;   VIVERSION  the same as four numbers for the version resource (0.1.0.1)
;   STAGE      the folder holding what gets installed
;   FILES      an include file of the uninstaller's Delete/RMDir lines
;   OUTFILE    the setup.exe to write
;
; A per-user install, no administrator rights: into
; %LOCALAPPDATA%\Programs\Relay Studio, a Start-menu shortcut (a desktop
; one if asked), an entry in Settings > Apps (Add/Remove Programs) and,
; unless unticked, the folder on the user's PATH so `relaystudio` works in
; cmd and PowerShell. The uninstaller removes exactly that and keeps the
; settings (%APPDATA%\relaystudio) unless asked: its "Settings" component,
; or /PURGE with /S. Both run silently with /S.

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma
; A dictionary big enough to hold a whole exe: relaystudio.com is the
; console build of the same code and costs almost nothing after it.
SetCompressorDictSize 128

!define APP "Relay Studio"
!define EXE "relaystudio.exe"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\RelayStudio"
!define APPKEY "Software\Relay Studio"

!include MUI2.nsh
!include FileFunc.nsh
!include LogicLib.nsh
!include WordFunc.nsh
!include WinMessages.nsh

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "${APPKEY}" "InstallDir"
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VIVERSION}"
VIFileVersion "${VIVERSION}"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP} ${VERSION} setup"
VIAddVersionKey "CompanyName" "${APP}"
VIAddVersionKey "LegalCopyright" "GPL-2.0-or-later"

!define MUI_ICON "relaystudio.ico"
!define MUI_UNICON "relaystudio.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APP}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${STAGE}\licenses\LICENSE.txt"
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Section "${APP}" SecApp
	SectionIn RO
	SetOutPath "$INSTDIR"
	File /r "${STAGE}\*"
	WriteUninstaller "$INSTDIR\uninstall.exe"
	CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

	WriteRegStr HKCU "${APPKEY}" "InstallDir" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APP}"
	WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "${APP}"
	WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
	WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegStr HKCU "${UNINSTKEY}" "URLInfoAbout" "https://github.com/relaystudio/relaystudio"
	WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
	WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
	${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
	IntFmt $0 "0x%08X" $0
	WriteRegDWORD HKCU "${UNINSTKEY}" "EstimatedSize" "$0"
SectionEnd

Section /o "Desktop shortcut" SecDesktop
	CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
SectionEnd

Section "Add to PATH (relaystudio in cmd and PowerShell)" SecPath
	ReadRegStr $0 HKCU "Environment" "Path"
	StrLen $1 $0
	StrLen $2 "$INSTDIR"
	IntOp $1 $1 + $2
	; NSIS strings hold 1024 characters: never write back a PATH that was
	; cut short.
	${If} $1 >= 1000
		DetailPrint "PATH is too long to change safely: add $INSTDIR to it by hand"
		Return
	${EndIf}
	${WordAdd} "$0" ";" "+$INSTDIR" $1
	WriteRegExpandStr HKCU "Environment" "Path" "$1"
	WriteRegStr HKCU "${APPKEY}" "OnPath" "$INSTDIR"
	SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=500
SectionEnd

Section "un.${APP}" UnSecApp
	SectionIn RO
	!include "${FILES}"
	Delete "$INSTDIR\uninstall.exe"
	RMDir "$INSTDIR"
	Delete "$SMPROGRAMS\${APP}.lnk"
	Delete "$DESKTOP\${APP}.lnk"

	ReadRegStr $0 HKCU "${APPKEY}" "OnPath"
	${If} $0 != ""
		ReadRegStr $1 HKCU "Environment" "Path"
		${WordAdd} "$1" ";" "-$0" $2
		WriteRegExpandStr HKCU "Environment" "Path" "$2"
		SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=500
	${EndIf}
	DeleteRegKey HKCU "${UNINSTKEY}"
	DeleteRegKey HKCU "${APPKEY}"
SectionEnd

Section /o "un.Settings (cameras, destinations, stream keys)" UnSecSettings
	RMDir /r "$APPDATA\relaystudio"
	RMDir /r "$APPDATA\fyne\io.github.relaystudio.RelayStudio"
SectionEnd

Function un.onInit
	; /S keeps the settings; /S /PURGE removes them too.
	${GetParameters} $0
	ClearErrors
	${GetOptions} $0 "/PURGE" $1
	${IfNot} ${Errors}
		SectionGetFlags ${UnSecSettings} $1
		IntOp $1 $1 | ${SF_SELECTED}
		SectionSetFlags ${UnSecSettings} $1
	${EndIf}
FunctionEnd
