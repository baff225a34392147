"""Serves the Vertex AI fake on 127.0.0.1 until stdin closes: `python -m tests.fakes.vertex [--port N]`, URL printed."""

import argparse
import sys

from tests.fakes.vertex.server import VertexFake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="The port on 127.0.0.1; 0 picks a free one.")
    fake = VertexFake().start(parser.parse_args().port)
    print(fake.endpoint, flush=True)
    try:
        sys.stdin.read()
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
