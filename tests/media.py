"""Small test videos, made here with PyAV (the same FFmpeg the app uses): coloured
frames with a green band at the top, a tone, and the metadata a phone writes
(location, make, model)."""
import io
import math
import struct

import av
from PIL import Image, ImageDraw

LOCATION = "+59.9139+010.7522/"


def mp4(seconds=2.0, width=320, height=180, rotation=0, audio=True, fps=10):
    out = io.BytesIO()
    with av.open(out, "w", format="mp4", options={"movflags": "use_metadata_tags"}) as file:
        file.metadata.update({"location": LOCATION, "make": "PhoneMaker",
                              "model": "Phone 15",
                              "com.apple.quicktime.location.ISO6709": LOCATION})
        video = file.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
        sound = file.add_stream("aac", rate=48000) if audio else None
        for n in range(int(seconds * fps)):
            picture = Image.new("RGB", (width, height), (30, 30, 140))
            ImageDraw.Draw(picture).rectangle([0, 0, width, height // 4], fill=(20, 200, 20))
            frame = av.VideoFrame.from_image(picture)
            frame.pts = n
            file.mux(video.encode(frame))
        file.mux(video.encode(None))
        if sound is not None:
            size = 1024
            samples = struct.pack(f"{size}f", *(0.2 * math.sin(k / 10) for k in range(size)))
            for n in range(int(seconds * 48000 / size)):
                frame = av.AudioFrame(format="fltp", layout="stereo", samples=size)
                for plane in frame.planes:
                    plane.update(samples)
                frame.sample_rate, frame.pts = 48000, n * size
                file.mux(sound.encode(frame))
            file.mux(sound.encode(None))
    return out.getvalue()
