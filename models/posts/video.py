"""Short videos for posts.

Like a photo, a video is never stored as uploaded: it is decoded and encoded again as a
new H.264/AAC MP4 (which every phone browser plays), no larger than 1280 px, so nothing
of the original file — location, camera, time, the phone's name — goes along. The
first frame becomes the poster, a phone-sized JPEG drawn from pixels only.

The content decides what a file is: an MP4/QuickTime (`ftyp` box) or a WebM/Matroska
(EBML) container with a video stream that decodes. A video is refused before a frame is
decoded when its header says it is longer than the configured number of seconds, larger
than 4K or has more frames than that length at 240 frames a second; the header is not
trusted further than that: decoding stops at the same limits, and FFmpeg's decoder is
told the largest picture it may make.
"""
import io
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from models.messaging.attachments import (THUMB_SIDE, CleanFile, Photo, Refused, _jpeg,
                                          safe_filename)

MP4 = "video/mp4"
MAX_SIDE = 1280
MAX_PIXELS = 4096 * 2160  # 4K, the most a phone films by default (8K is refused)
MAX_FPS = 240             # a phone's slow motion
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
    file: CleanFile
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


@dataclass
class _Limits:
    """What decoding may reach before the video is refused: the header may have lied."""
    name: str
    seconds: float
    frames: int
    starts: dict = field(default_factory=dict)  # each stream's first time

    def check(self, frame, stream, count):
        """Refuse when a decoded `frame` of `stream` is further from the stream's first
        than the length allowed, or when `count` video frames are more than allowed."""
        if frame.time is not None:
            start = self.starts.setdefault(stream.index, frame.time)
            if frame.time - start > self.seconds:
                raise Refused("length", self.name)
        if count > self.frames:
            raise Refused("length", self.name)


def _decoder(source):
    """The video stream, its decoder bounded to MAX_PIXELS per picture."""
    video_in = source.streams.video[0]
    video_in.codec_context.options = {"max_pixels": str(MAX_PIXELS)}
    return video_in


def _first_frame(stream):
    """The first picture and how far it is to be turned to be shown upright."""
    with av.open(stream, "r", metadata_errors="ignore") as source:
        for frame in source.decode(_decoder(source)):
            return frame.to_image(), int(getattr(frame, "rotation", 0) or 0)
    raise Refused("kind", "")


def _encode(name, stream, max_seconds):
    with av.open(stream, "r", metadata_errors="ignore") as source:
        if not source.streams.video:
            raise Refused("kind", name)
        video_in = source.streams.video[0]
        seconds = _seconds(source, video_in)
        width, height = video_in.codec_context.width, video_in.codec_context.height
        declared_frames = video_in.frames
    if not width or not height:
        raise Refused("kind", name)
    if width * height > MAX_PIXELS:
        raise Refused("resolution", name)
    limits = _Limits(name, max_seconds + 0.5, int((max_seconds + 1) * MAX_FPS))
    if seconds is None or seconds > limits.seconds or declared_frames > limits.frames:
        raise Refused("length", name)
    stream.seek(0)
    poster, rotation = _first_frame(stream)
    stream.seek(0)
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "video.mp4"
        width, height = _transcode(stream, out, rotation, limits)
        data = out.read_bytes()
    if rotation % 180:
        width, height = height, width
    upright = poster.rotate(rotation, expand=True) if rotation else poster
    upright = upright.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    file = CleanFile(safe_filename(name, ".mp4"), data, MP4, width, height)
    return Video(file, Photo(_jpeg(upright, MAX_SIDE, name), _jpeg(upright, THUMB_SIDE, name)),
                 round(seconds, 1))


def _transcode(stream, out, rotation, limits):
    """Decode and encode again into the file `out` (moov first, so that playback starts
    before the whole file is loaded), within `limits`; returns the stored width and
    height."""
    with av.open(stream, "r", metadata_errors="ignore") as source:
        video_in = _decoder(source)
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
                    limits.check(frame, packet.stream, frames)
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
