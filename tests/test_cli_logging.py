import io
import logging

from rich.console import Console

from populace.cli._logging import echo_log


def _console():
    buf = io.StringIO()
    return Console(file=buf, width=200, color_system=None), buf


def test_library_info_lines_print_while_the_block_runs():
    console, buf = _console()
    log = logging.getLogger("populace.pipeline.runner")
    with echo_log(console):
        log.info("%s: running", "survey")
        log.debug("not shown")
        logging.getLogger("other.library").info("not ours")
    log.info("after the block")
    assert buf.getvalue() == "survey: running\n"
    assert not logging.getLogger("populace").handlers
    assert logging.getLogger("populace").level == logging.NOTSET


def test_no_console_prints_nothing():
    console, buf = _console()
    with echo_log(None):
        logging.getLogger("populace.mining").info("quiet")
    assert buf.getvalue() == ""
