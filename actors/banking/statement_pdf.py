"""A statement as a PDF a person would accept from their bank (fpdf2, built-in fonts)."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from models.statements import Statement

_COLUMNS = (("Date", 34), ("Description", 78), ("Money in", 24), ("Money out", 24), ("Balance", 26))


def _latin1(text: str) -> str:
    """The built-in PDF fonts cover Latin-1; anything else is shown as '?' rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")


class _StatementPdf(FPDF):
    def __init__(self, statement: Statement) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.statement = statement
        self.set_title(f"Statement {statement.account_number} {statement.start} to {statement.end}")
        self.set_author("BankFlow")
        self.set_creator("BankFlow")
        self.set_auto_page_break(auto=True, margin=18)

    def header(self) -> None:
        self.set_font("Helvetica", "B", 16)
        self.cell(0, 9, "BankFlow", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", "", 10)
        self.cell(0, 5, "Account statement", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "I", 8)
        issued = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.cell(0, 5, f"Issued {issued} - page {self.page_no()}/{{nb}}", align="C")

    def table_header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.set_fill_color(230, 230, 230)
        for title, width in _COLUMNS:
            self.cell(width, 7, title, border=1, fill=True, align="L" if title in ("Date", "Description") else "R")
        self.ln()
        self.set_font("Helvetica", "", 9)


def render_statement_pdf(statement: Statement) -> bytes:
    pdf = _StatementPdf(statement)
    pdf.alias_nb_pages()
    pdf.add_page()
    money = statement.amount
    pdf.set_font("Helvetica", "", 10)
    for label, value in (
        ("Account holder", statement.holder),
        ("Account number", statement.account_number),
        ("Account type", statement.account_type.title()),
        ("Currency", statement.currency),
        ("Period", f"{statement.start.isoformat()} to {statement.end.isoformat()}"),
    ):
        pdf.cell(40, 6, label)
        pdf.cell(0, 6, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    for label, minor in (
        ("Opening balance", statement.opening_minor),
        ("Money in", statement.money_in_minor),
        ("Money out", statement.money_out_minor),
        ("Closing balance", statement.closing_minor),
    ):
        pdf.cell(40, 6, label)
        pdf.cell(40, 6, f"{money(minor)} {statement.currency}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.table_header()
    pdf.cell(_COLUMNS[0][1], 6, statement.start.isoformat(), border="B")
    pdf.cell(_COLUMNS[1][1], 6, "Opening balance", border="B")
    pdf.cell(_COLUMNS[2][1] + _COLUMNS[3][1], 6, "", border="B")
    pdf.cell(
        _COLUMNS[4][1], 6, money(statement.opening_minor), border="B", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    for line in statement.lines:
        if pdf.will_page_break(6):
            pdf.add_page()
            pdf.table_header()
        amount_in = money(line.amount_minor) if line.amount_minor > 0 else ""
        amount_out = money(-line.amount_minor) if line.amount_minor < 0 else ""
        pdf.cell(_COLUMNS[0][1], 6, line.posted_at.strftime("%Y-%m-%d %H:%M"), border="B")
        pdf.cell(_COLUMNS[1][1], 6, _latin1(line.description)[:48], border="B")
        pdf.cell(_COLUMNS[2][1], 6, amount_in, border="B", align="R")
        pdf.cell(_COLUMNS[3][1], 6, amount_out, border="B", align="R")
        pdf.cell(
            _COLUMNS[4][1],
            6,
            money(line.balance_after_minor),
            border="B",
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(_COLUMNS[0][1], 7, statement.end.isoformat())
    pdf.cell(_COLUMNS[1][1] + _COLUMNS[2][1] + _COLUMNS[3][1], 7, "Closing balance")
    pdf.cell(_COLUMNS[4][1], 7, money(statement.closing_minor), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        0,
        4,
        "Amounts are in "
        + statement.currency
        + ". Balances are taken from the bank's journal; pending card authorisations are not shown "
        "until captured. Please report any entry you do not recognise.",
    )
    return bytes(pdf.output())
