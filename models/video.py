"""Short videos for posts.

Like a photo, a video is never stored as uploaded: it is decoded and encoded again as a
new H.264/AAC MP4 (which every phone browser plays), no larger than 1280 px, so nothing
of the original file — location, camera, time, the phone's name — goes along. The
first frame becomes the poster, a phone-sized JPEG drawn from pixels only.

The content decides what a file is: an MP4/QuickTime (`ftyp` box) or a WebM/Matroska
(EBML) container with a video stream that decodes. Anything longer than the configured
number of seconds is refused before it is encoded.
"""
import io
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from .attachments import THUMB_SIDE, Photo, Prepared, Refused, _jpeg, safe_filename

MP4 = "video/mp4"
MAX_SIDE = 1280
HEIF_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"heim")


def looks_like_video(head):
    """An ISO media file (MP4, QuickTime) that is not a HEIC photo, or a WebM/Matroska."""
    if head[4:8] == b"ftyp":
        return head[8:12] not in HEIF_BRANDS
    return head.startswith(b"\x1a\x45\xdf\xa3")


@dataclass
class Video:
    """A re-encoded video and its poster (`poster.full` is the poster at the video's
    displayed size, `poster.thumb` the feed's)."""
    file: Prepared
    poster: Photo
    seconds: float


def _even(n):
    return max(2, int(n) // 2 * 2)


def _size(width, height):
    scale = min(1.0, MAX_SIDE / max(width, height))
    return _even(width * scale), _even(height * scale)


def _seconds(container, stream):
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def prepare_video(name, stream, max_bytes, max_seconds):
    """Check an uploaded video (a binary file object) and return a Video, or raise
    Refused ("kind", "size" or "length")."""
    head = stream.read(16)
    stream.seek(0, io.SEEK_END)
    if stream.tell() > max_bytes:
        raise Refused("size", name)
    stream.seek(0)
    if not looks_like_video(head):
        raise Refused("kind", name)
    try:
        return _encode(name, stream, max_seconds)
    except (av.error.FFmpegError, ValueError, OverflowError, StopIteration):
        raise Refused("kind", name) from None


def _first_frame(stream):
    """The first picture and how far it is to be turned to be shown upright."""
    with av.open(stream, "r", metadata_errors="ignore") as source:
        for frame in source.decode(video=0):
            return frame.to_image(), int(getattr(frame, "rotation", 0) or 0)
    raise Refused("kind", "")


def _encode(name, stream, max_seconds):
    with av.open(stream, "r", metadata_errors="ignore") as source:
        if not source.streams.video:
            raise Refused("kind", name)
        seconds = _seconds(source, source.streams.video[0])
    if seconds is None or seconds > max_seconds + 0.5:
        raise Refused("length", name)
    stream.seek(0)
    poster, rotation = _first_frame(stream)
    stream.seek(0)
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "video.mp4"
        width, height = _transcode(stream, out, rotation)
        data = out.read_bytes()
    if rotation % 180:
        width, height = height, width
    upright = poster.rotate(rotation, expand=True) if rotation else poster
    upright = upright.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    file = Prepared(safe_filename(name, ".mp4"), data, MP4, width, height)
    return Video(file, Photo(_jpeg(upright, MAX_SIDE, name), _jpeg(upright, THUMB_SIDE, name)),
                 round(seconds, 1))


def _transcode(stream, out, rotation):
    """Decode and encode again into the file `out` (moov first, so that playback starts
    before the whole file is loaded); returns the stored width and height."""
    with av.open(stream, "r", metadata_errors="ignore") as source:
        video_in = source.streams.video[0]
        audio_in = source.streams.audio[0] if source.streams.audio else None
        width, height = _size(video_in.codec_context.width, video_in.codec_context.height)
        rate = video_in.average_rate or video_in.guessed_rate or Fraction(30)
        rate = min(Fraction(rate).limit_denominator(1001), Fraction(60))
        # A new container: nothing of the original's metadata is copied into it.
        with av.open(str(out), "w", format="mp4",
                     options={"movflags": "+faststart"}) as target:
            video_out = target.add_stream("libx264", rate=rate)
            video_out.width, video_out.height = width, height
            video_out.pix_fmt = "yuv420p"
            video_out.options = {"preset": "veryfast", "crf": "26", "profile": "main"}
            if rotation:
                # A phone filming upright stores the picture sideways with a rotation
                # to show it with; the new file is shown the same way.
                video_out.set_display_rotation(rotation)
            audio_out = resampler = None
            if audio_in is not None:
                audio_out = target.add_stream("aac", rate=48000)
                audio_out.layout = "stereo"
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48000)
            frames = 0
            wanted = [video_in] + ([audio_in] if audio_in is not None else [])
            for packet in source.demux(*wanted):
                for frame in packet.decode():
                    if packet.stream.type == "video":
                        frame = frame.reformat(width, height, "yuv420p")
                        frame.pts, frame.time_base = frames, 1 / rate
                        frames += 1
                        target.mux(video_out.encode(frame))
                    else:
                        for chunk in resampler.resample(frame):
                            chunk.pts = None
                            target.mux(audio_out.encode(chunk))
            target.mux(video_out.encode(None))
            if audio_out is not None:
                target.mux(audio_out.encode(None))
    return width, height
