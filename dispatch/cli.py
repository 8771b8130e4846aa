"""The `dispatch` console script: each command parses its arguments, calls one service, prints a summary."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.bench_cli import bench
from dispatch.config import Settings
from dispatch.db import current_revision, make_engine, make_sessionmaker, transaction, upgrade
from dispatch.demo import DEMO_PASSWORD, STEPS, add_demo_accounts, load_demo, plan_and_publish, reset_demo_database
from dispatch.errors import DispatchError, ImportFailed
from dispatch.geo import make_geocoder
from dispatch.intake import Call, take_call
from dispatch.io.exporter import export_rows, write_csv, write_json
from dispatch.io.importer import TABLE_KINDS, import_files
from dispatch.io.sources import KINDS
from dispatch.models import JobStatus, Priority, Role, User
from dispatch.plans import day_revision, plan_day, publish
from dispatch.sample import generate_history, scenario_name
from dispatch.scheduling import make_scheduler
from dispatch.simulate_cli import check_replay_command, reshuffle_durations_command, simulate_command
from dispatch.store import JobFilter, list_jobs
from dispatch.users import add_user, issue_token
from solver import SolveParams

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

DEMO_DATABASE_URL = "sqlite:///dispatch-demo.db"


@dataclass
class Env:
    """Settings and database handles shared by the commands of one invocation."""

    settings: Settings
    _engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)


pass_env = click.make_pass_decorator(Env)


@click.group()
@click.version_option(package_name="dispatch")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Field-technician dispatch for appliance after-sales service (database: DISPATCH_DATABASE_URL)."""
    try:
        ctx.obj = Env(Settings.from_env())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@pass_env
def init(env: Env) -> None:
    """Create the database, or migrate it to the latest schema."""
    upgrade(env.engine)
    click.echo(
        f"database {env.engine.url.render_as_string(hide_password=True)} at schema {current_revision(env.engine)}"
    )


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), help="Kind of every file (inferred from each file when omitted).")
@pass_env
def import_(env: Env, files: tuple[Path, ...], kind: str | None) -> None:
    """Import FILES (CSV or JSON); any bad row and nothing is written (errors on stderr, exit 1)."""
    upgrade(env.engine)
    geocoder = make_geocoder(env.settings)
    try:
        with (
            click.progressbar(length=len(files), label="importing", file=sys.stderr) as bar,
            transaction(env.sessions) as session,
        ):
            results = import_files(session, [(f, kind) for f in files], env.settings, geocoder, progress=bar.update)
    except ImportFailed as failed:
        for error in failed.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(failed.errors)} error(s); nothing was imported", err=True)
        sys.exit(1)
    for r in results:
        click.echo(f"{r.name}: {r.kind}, {r.created} created, {r.updated} updated")


@main.command()
@click.option("--kind", type=click.Choice(sorted(TABLE_KINDS)), required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default=None,
    help="Default: from --output, else csv.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout)."
)
@pass_env
def export(env: Env, kind: str, fmt: str | None, output: Path | None) -> None:
    """Export one kind in the format `dispatch import` reads back."""
    fmt = fmt or (output.suffix.lstrip(".").lower() if output and output.suffix.lower() in {".csv", ".json"} else "csv")
    with env.sessions() as session:
        rows = export_rows(session, kind, env.settings)
    writer = write_json if fmt == "json" else write_csv
    if output is None:
        writer(kind, rows, sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="") as out:
            writer(kind, rows, out)
        click.echo(f"{len(rows)} {kind} written to {output}", err=True)


@main.command()
@click.option("--status", multiple=True, type=click.Choice([s.value for s in JobStatus]))
@click.option("--type", "job_type", help="Job type, e.g. repair.")
@click.option("--product", help="Product, e.g. air_conditioner.")
@click.option("--district", help="Customer's district, e.g. 天河区.")
@click.option("--technician", help="Technician id (jobs it visited).")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Day the call came in (business timezone).")
@click.option("--limit", type=int, default=50, show_default=True)
@pass_env
def jobs(
    env: Env,
    status: tuple[str, ...],
    job_type: str | None,
    product: str | None,
    district: str | None,
    technician: str | None,
    day: datetime | None,
    limit: int,
) -> None:
    """List jobs, oldest call first."""
    criteria = JobFilter(
        status=status or None,
        job_type=job_type,
        product=product,
        district=district,
        technician=technician,
        day=day.date() if day else None,
        limit=limit,
    )
    tz = env.settings.tz
    with env.sessions() as session:
        found = list_jobs(session, criteria, tz)
        for job in found:
            click.echo(
                f"{job.external_id:<40} {job.received_at.astimezone(tz):%Y-%m-%d %H:%M}  {job.status:<13} "
                f"{job.product_code}:{job.job_type_code:<12} {job.customer.district} {job.customer.name}"
            )
    click.echo(f"{len(found)} job(s)", err=True)


@main.command()
@click.option("--phone", required=True)
@click.option("--name", "customer_name", required=True, help="Customer's name.")
@click.option("--product", required=True)
@click.option("--type", "job_type", required=True)
@click.option("--address", default="")
@click.option("--district", default="")
@click.option("--fault", default="", help="Fault as the customer describes it.")
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--window", nargs=2, type=click.DateTime(["%Y-%m-%dT%H:%M"]), help="Appointment START END (local).")
@click.option("--duration", type=int, help="Estimated minutes on site.")
@click.option("--priority", type=click.Choice([p.value for p in Priority]), default="normal")
@click.option("--serial", default="", help="Serial number of a product the customer owns.")
@pass_env
def call(env: Env, window: tuple[datetime, datetime] | None, duration: int | None, **fields: Any) -> None:
    """Take a call now: match or create the customer file and create the job."""
    tz = env.settings.tz
    upgrade(env.engine)
    start, end = (w.replace(tzinfo=tz) for w in window) if window else (None, None)
    request = Call(received_at=datetime.now(tz), window_start=start, window_end=end, duration_min=duration, **fields)
    try:
        with transaction(env.sessions) as session:
            result = take_call(session, request, env.settings, make_geocoder(env.settings))
            job, customer = result.job, result.customer
    except DispatchError as exc:
        raise click.ClickException(str(exc)) from exc
    state = "new customer" if result.new_customer else "known customer"
    click.echo(f"job {job.external_id} for {customer.name} ({customer.external_id}, {state})")
    click.echo(f"  target  {job.target_at.astimezone(tz):%Y-%m-%d %H:%M}")
    click.echo(f"  promise {job.promise_at.astimezone(tz):%Y-%m-%d %H:%M}")
    if customer.location_approximate:
        click.echo(f"  location approximate: centre of {customer.district}")


@main.command()
@click.option("--port", default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--check", is_flag=True, help="Load everything, serve nothing, exit 0 when all went well.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Day the sample starts (default: today).")
@click.option("--time-limit", default=10.0, show_default=True, help="Seconds to plan the first day.")
@click.pass_context
def demo(ctx: click.Context, port: int, host: str, check: bool, today: datetime | None, time_limit: float) -> None:
    """Fresh database with the sample centre (first day moved to today), planned and published; then
    serve the web UI and print the demo sign-ins."""
    env: Env = ctx.obj
    if not os.environ.get("DISPATCH_DATABASE_URL"):  # never wipe the default working database
        env.settings = replace(env.settings, database_url=DEMO_DATABASE_URL)
    first_day = today.date() if today else datetime.now(env.settings.tz).date()
    try:
        reset_demo_database(env.engine, env.sessions)
        with click.progressbar(length=STEPS, label="loading the sample centre", file=sys.stderr) as bar:
            summary = load_demo(env.sessions, env.settings, first_day, progress=bar.update)
        now = datetime.now(env.settings.tz)
        with transaction(env.sessions) as session:
            logins = add_demo_accounts(session, now)
            version = plan_and_publish(session, env.settings, first_day, now, time_limit)
            figures = version.figures
    except ImportFailed as failed:
        for error in failed.errors:
            click.echo(str(error), err=True)
        raise click.ClickException("the sample data did not load") from failed
    except DispatchError as exc:
        raise click.ClickException(str(exc)) from exc
    counts = summary.counts
    click.echo(
        f"demo database {env.engine.url.render_as_string(hide_password=True)}: scenario {summary.scenario} from "
        f"{summary.first_day}, {counts['technician']} technicians, {counts['customer']} customers, "
        f"{counts['job']} jobs, {counts['visit']} visits"
    )
    click.echo(
        f"plan of {first_day}: {figures['served']} jobs routed, {figures['unassigned']} unassigned, "
        f"{figures['on_target']} on target, {figures['within_promise']} within promise (published)"
    )
    click.echo(f"sign in at http://{host}:{port}/login with password {DEMO_PASSWORD!r} as:")
    for login in logins:
        click.echo(f"  {login.username:<11} {login.role}" + (f" ({login.technician})" if login.technician else ""))
    if check:
        return
    _serve(env, host, port)


@main.command()
@click.option("--port", default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--no-scheduler", is_flag=True, help="Serve only; the scheduled tasks run elsewhere (dispatch scheduler)."
)
@pass_env
def serve(env: Env, host: str, port: int, no_scheduler: bool) -> None:
    """Serve the web UI on the configured database, running the scheduled tasks in this process."""
    upgrade(env.engine)
    if no_scheduler:
        _serve(env, host, port)
        return
    running = _start_scheduler(env)
    try:
        _serve(env, host, port)
    finally:
        running.shutdown()


@main.command(name="scheduler")
@pass_env
def scheduler_command(env: Env) -> None:
    """Run the scheduled tasks in the foreground until Ctrl+C (next to `dispatch serve --no-scheduler`)."""
    upgrade(env.engine)
    running = _start_scheduler(env)
    click.echo("scheduler running (Ctrl+C to stop)")
    try:
        _wait_for_interrupt()
    finally:
        running.shutdown()
    click.echo("scheduler stopped")


def _start_scheduler(env: Env) -> BackgroundScheduler:
    """Start the one scheduler of this process and list its jobs."""
    try:
        running = make_scheduler(env.settings, env.sessions)
    except (ValueError, LookupError) as exc:
        raise click.ClickException(str(exc)) from exc
    running.start()
    tz = env.settings.tz
    for job in running.get_jobs():
        when = "paused" if job.next_run_time is None else f"{job.next_run_time.astimezone(tz):%Y-%m-%d %H:%M:%S}"
        click.echo(f"  {job.id:<24} next {when}")
    return running


def _wait_for_interrupt() -> None:
    """Block until Ctrl+C."""
    with contextlib.suppress(KeyboardInterrupt):
        while not threading.Event().wait(3600):
            pass


def _serve(env: Env, host: str, port: int) -> None:
    from web import create_app  # the CLI may build the app; dispatch's services never import web

    app = create_app({"DATABASE_URL": env.settings.database_url, "SECRET_KEY": "dev"})
    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
    app.run(host=host, port=port)


@main.command()
@click.argument("scenario_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--days", default=14, show_default=True)
@click.option("--seed", default=7, show_default=True)
@pass_env
def sample(env: Env, scenario_file: Path, out: Path, days: int, seed: int) -> None:
    """Write a seeded history (customers, products, jobs with visits, stock) for a scenario's own dates."""
    engine = make_engine("sqlite://")  # a scratch database: the scenario is needed only to build on
    upgrade(engine)
    with transaction(make_sessionmaker(engine)) as session:
        import_files(session, [(scenario_file, "scenario")], env.settings)
        files = generate_history(session, scenario_name(scenario_file), env.settings, days=days, seed=seed)
    for path in files.write(out):
        click.echo(str(path))


main.add_command(bench)
main.add_command(simulate_command)
main.add_command(check_replay_command)
main.add_command(reshuffle_durations_command)


@main.group()
def user() -> None:
    """Sign-in accounts."""


@user.command(name="add")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--technician", help="Technician id (for a technician account).")
@click.password_option(help="Asked for when not given (at least 8 characters).")
@pass_env
def user_add(env: Env, username: str, role: str, technician: str | None, password: str) -> None:
    """Add a user who signs in with USERNAME and a password."""
    upgrade(env.engine)
    try:
        with transaction(env.sessions) as session:
            add_user(session, username, password, role, datetime.now(env.settings.tz), technician)
    except DispatchError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} ({role}) added")


@user.command(name="token")
@click.argument("username")
@pass_env
def user_token(env: Env, username: str) -> None:
    """Issue a new API token for USERNAME (replaces the old one; shown once)."""
    upgrade(env.engine)
    with transaction(env.sessions) as session:
        found = session.scalar(select(User).where(User.username == username))
        if found is None:
            raise click.ClickException(f"no user {username!r}")
        token = issue_token(found)
    click.echo(token)


@main.command(name="plan")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Day to plan (default: today).")
@click.option("--time-limit", default=30.0, show_default=True, help="Seconds of search.")
@click.option("--publish", "publish_it", is_flag=True, help="Publish the new version at once.")
@pass_env
def plan_command(env: Env, day: datetime | None, time_limit: float, publish_it: bool) -> None:
    """Plan a day into a new draft version (warm-started from the published plan), optionally publish it."""
    upgrade(env.engine)
    tz = env.settings.tz
    when = day.date() if day else datetime.now(tz).date()
    try:
        with transaction(env.sessions) as session:
            version = plan_day(session, when, env.settings, SolveParams(time_limit_s=time_limit), created_by="cli")
            if publish_it:
                publish(session, version.id, day_revision(session, when), datetime.now(tz), env.settings)
            f = version.figures
            click.echo(
                f"{when.isoformat()} version {version.number} ({version.status}): {f['served']} routed, "
                f"{f['unassigned']} unassigned, {f['on_target']} on target, {f['within_promise']} within promise, "
                f"{f['distance_m'] / 1000:.1f} km"
            )
    except DispatchError as exc:
        raise click.ClickException(str(exc)) from exc
