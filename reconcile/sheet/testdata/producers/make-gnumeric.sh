#!/bin/sh
# make-gnumeric.sh writes the workbooks of this folder that Gnumeric
# produces (Debian's gnumeric, 1.12.55: apt-get install gnumeric): the
# openpyxl workbook saved again by ssconvert, in its Excel 2007 and its
# Excel 2010 flavours. The tests read the committed files; they never need
# Gnumeric.
set -e
cd "$(dirname "$0")"
ssconvert -T Gnumeric_Excel:xlsx openpyxl.xlsx gnumeric.xlsx
ssconvert -T Gnumeric_Excel:xlsx2 openpyxl.xlsx gnumeric-2010.xlsx
