#!/usr/bin/env bash
# `make demo`: relay the built-in test pattern into a throwaway nginx-rtmp on
# a free loopback port, then describe what nginx recorded (read back with
# ffprobe). Runs until Ctrl-C, or for DEMO_SECONDS seconds when that is set.
# Everything it starts and writes is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-bin/relaystudio}
MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

[[ -x $BIN ]] || { echo "demo: $BIN is missing: run make build" >&2; exit 1; }
[[ -x $NGINX && -f $MODULE ]] || { echo "demo: nginx with the RTMP module is missing: run make deps" >&2; exit 1; }
if [[ -n ${DEMO_SECONDS:-} && ! ${DEMO_SECONDS} =~ ^[1-9][0-9]*$ ]]; then
	echo "demo: DEMO_SECONDS=$DEMO_SECONDS: want a whole number of seconds" >&2
	exit 2
fi

tmp=$(mktemp -d -t relaystudio-demo.XXXXXX)
nginx_pid=
stop_nginx() {
	[[ -n $nginx_pid ]] || return 0
	kill -QUIT "$nginx_pid" 2>/dev/null || true
	for _ in {1..50}; do
		kill -0 "$nginx_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$nginx_pid" 2>/dev/null || true
	wait "$nginx_pid" 2>/dev/null || true
	nginx_pid=
}
cleanup() {
	stop_nginx
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 129' HUP
# Ctrl-C reaches the relay (same process group), which stops cleanly; the
# script carries on to the summary instead of dying with it.
trap ':' INT

# write_config PORT: nginx.conf for one run. master_process off keeps a
# single process with our uid, so it can write the recording even as root.
write_config() {
	cat >"$tmp/nginx.conf" <<-CONF
		load_module $MODULE;
		daemon off;
		master_process off;
		pid $tmp/nginx.pid;
		error_log $tmp/error.log info;
		events { worker_connections 64; }
		rtmp {
		  access_log $tmp/access.log;
		  server {
		    listen 127.0.0.1:$1;
		    chunk_size 4096;
		    application live {
		      live on;
		      record all;
		      record_path $tmp/rec;
		      record_unique off;
		    }
		  }
		}
	CONF
}

# start_nginx PORT: 0 when nginx serves PORT, 1 when it exited (port taken?).
start_nginx() {
	write_config "$1"
	rm -f "$tmp/nginx.pid"
	# setsid: keep Ctrl-C away from nginx, so it outlives the relay's
	# shutdown; the EXIT trap stops it.
	local setsid=()
	command -v setsid >/dev/null && setsid=(setsid)
	"${setsid[@]}" "$NGINX" -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/error.log" </dev/null >>"$tmp/error.log" 2>&1 &
	nginx_pid=$!
	for _ in {1..200}; do
		if ! kill -0 "$nginx_pid" 2>/dev/null; then
			wait "$nginx_pid" 2>/dev/null || true
			nginx_pid=
			return 1
		fi
		# The pid file appears only after nginx has bound its port.
		if [[ $(cat "$tmp/nginx.pid" 2>/dev/null) == "$nginx_pid" ]] &&
			(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "demo: nginx did not start within 10 s:" >&2
	tail -n 5 "$tmp/error.log" >&2
	exit 1
}

mkdir -p "$tmp/rec"
read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
port=
for _ in {1..5}; do
	p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue # in use
	if start_nginx "$p"; then
		port=$p
		break
	fi
	grep -q 'Address already in use' "$tmp/error.log" || {
		echo "demo: nginx failed to start:" >&2
		tail -n 5 "$tmp/error.log" >&2
		exit 1
	}
done
[[ -n $port ]] || { echo "demo: found no free loopback port for nginx" >&2; exit 1; }

url="rtmp://127.0.0.1:$port/live/demo"
cat <<-MSG
	Relaying the test pattern to $url (a local nginx-rtmp).
	Watch it live:   ffplay $url
	Stop with Ctrl-C$([[ -n ${DEMO_SECONDS:-} ]] && echo "; stopping by itself after ${DEMO_SECONDS}s").
	One JSON line of stats per second follows (logs go to stderr).

MSG

relay=("$BIN" relay --input test://pattern --output "$url" --video h264 --size 1280x720
	--bitrate 2500k --stats 1s)
rc=0
if [[ -n ${DEMO_SECONDS:-} ]]; then
	# --foreground lets Ctrl-C reach the relay; --preserve-status reports
	# the relay's own exit status (0 after a clean stop on SIGTERM).
	timeout --foreground --preserve-status -s TERM -k 10 "$DEMO_SECONDS" "${relay[@]}" || rc=$?
else
	"${relay[@]}" || rc=$?
fi
echo
if ((rc != 0)); then
	echo "demo: the relay exited with status $rc" >&2
fi
stop_nginx

rec="$tmp/rec/demo.flv"
if [[ ! -s $rec ]]; then
	echo "demo: nginx recorded nothing" >&2
	exit 1
fi
echo "What nginx received ($(du -h "$rec" | cut -f1)):"
IFS=, read -r vcodec vwidth vheight < <(ffprobe -v error -select_streams v:0 \
	-show_entries stream=codec_name,width,height -of csv=p=0 "$rec") || true
# Frame rate, bitrate and keyframe interval from the packets themselves.
ffprobe -v error -select_streams v:0 -show_entries packet=dts_time,size,flags -of csv=p=0 "$rec" |
	awk -F, -v codec="${vcodec:-none}" -v w="${vwidth:-?}" -v h="${vheight:-?}" '
		$1 == "N/A" { next }
		{ n++; bytes += $2; if (n == 1) first = $1; last = $1 }
		$3 ~ /^K/ { if (nk++) { gaps += $1 - lastk }; lastk = $1 }
		END {
			if (n < 2 || last <= first) { printf "  video  %s %sx%s, %d frames\n", codec, w, h, n; exit }
			fps = (n - 1) / (last - first)
			kbps = bytes * 8 / (n / fps) / 1000
			key = nk > 1 ? sprintf("keyframe every %.2f s", gaps / (nk - 1)) : "fewer than two keyframes"
			printf "  video  %s %sx%s, %.2f fps, %.0f kb/s, %s, %.1f s\n", codec, w, h, fps, kbps, key, n / fps
		}'
IFS=, read -r acodec aprofile arate achannels < <(ffprobe -v error -select_streams a:0 \
	-show_entries stream=codec_name,profile,sample_rate,channels -of csv=p=0 "$rec") || true
if [[ -n ${acodec:-} ]]; then
	echo "  audio  $acodec $aprofile, $arate Hz, $achannels ch"
else
	echo "  audio  none"
fi
exit "$rc"
