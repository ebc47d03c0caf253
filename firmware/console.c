/*
 * Console task: line input from the UART, command parsing and validation,
 * dispatch to the scenario table. Replies are records (see the protocol in
 * the harness documentation): ready, scenario, start, error.
 */

#include <stdint.h>
#include <string.h>

#include "FreeRTOS.h"
#include "task.h"

#include "alloc_trace.h"
#include "board.h"
#include "console.h"
#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define consoleLINE_LENGTH          128
#define consoleMAX_TOKENS           ( 2 + ( 2 * scenarioMAX_PARAMS ) )
#define consoleLIST_LENGTH          320 /* The `ready` list of every scenario name. */
#define consolePOLL_DELAY_TICKS     ( ( TickType_t ) 1 )
#define consoleDECIMAL_BASE         10U
#define consoleHEX_BASE             16U
#define consolePROTOCOL_VERSION     1U

/*---------------------------------------------------------------------------*/

static void prvPrintReady( void )
{
    char cNames[ consoleLIST_LENGTH ];
    size_t uxLength = 0;

    cNames[ 0 ] = '\0';

    for( UBaseType_t uxIndex = 0; uxIndex < uxMhScenarioCount; uxIndex++ )
    {
        uxLength += uxMhFormat( &cNames[ uxLength ], sizeof( cNames ) - uxLength, "%s%s",
                                ( uxIndex == 0U ) ? "" : ",", pxMhScenarios[ uxIndex ]->pcName );
    }

    vMhRecord( "ready", "proto=%u scenarios=%s", consolePROTOCOL_VERSION, cNames );
}

static void prvPrintList( void )
{
    char cParams[ consoleLIST_LENGTH ];

    for( UBaseType_t uxIndex = 0; uxIndex < uxMhScenarioCount; uxIndex++ )
    {
        const Scenario_t * pxScenario = pxMhScenarios[ uxIndex ];
        size_t uxLength = 0;

        ( void ) uxMhFormat( cParams, sizeof( cParams ), "-" );

        for( UBaseType_t uxParam = 0; uxParam < pxScenario->uxParamCount; uxParam++ )
        {
            const ScenarioParam_t * pxParam = &pxScenario->pxParams[ uxParam ];

            uxLength += uxMhFormat( &cParams[ uxLength ], sizeof( cParams ) - uxLength, "%s%s:%lu:%lu:%lu",
                                    ( uxParam == 0U ) ? "" : ",", pxParam->pcName,
                                    pxParam->ulDefault, pxParam->ulMin, pxParam->ulMax );
        }

        vMhRecord( "scenario", "name=%s params=%s", pxScenario->pcName, cParams );
    }
}

/*---------------------------------------------------------------------------*/

/* Reads one non-empty line (ended by \r or \n) into pcLine; polls the UART. */
static void prvReadLine( char * pcLine,
                         size_t uxSize )
{
    size_t uxLength = 0;

    for( ; ; )
    {
        int xChar = xBoardUartGetc();

        if( xChar == boardUART_NO_CHAR )
        {
            vTaskDelay( consolePOLL_DELAY_TICKS );
        }
        else if( ( xChar == '\r' ) || ( xChar == '\n' ) )
        {
            if( uxLength > 0U )
            {
                pcLine[ uxLength ] = '\0';
                return;
            }
        }
        else if( ( uxLength + 1U ) < uxSize )
        {
            pcLine[ uxLength ] = ( char ) xChar;
            uxLength++;
        }
        else
        {
            /* Too long: the excess is dropped, validation will reject the line. */
        }
    }
}

/* Splits pcLine in place at spaces and tabs; returns the token count. */
static UBaseType_t prvTokenise( char * pcLine,
                                char ** ppcTokens,
                                UBaseType_t uxMaxTokens )
{
    UBaseType_t uxCount = 0;

    while( *pcLine != '\0' )
    {
        while( ( *pcLine == ' ' ) || ( *pcLine == '\t' ) )
        {
            *pcLine = '\0';
            pcLine++;
        }

        if( *pcLine == '\0' )
        {
            break;
        }

        if( uxCount < uxMaxTokens )
        {
            ppcTokens[ uxCount ] = pcLine;
        }

        uxCount++;

        while( ( *pcLine != '\0' ) && ( *pcLine != ' ' ) && ( *pcLine != '\t' ) )
        {
            pcLine++;
        }
    }

    return uxCount;
}

/* Decimal or 0x hex, no sign, no overflow past 32 bits. */
static BaseType_t prvParseValue( const char * pcText,
                                 uint32_t * pulValue )
{
    uint32_t ulBase = consoleDECIMAL_BASE;
    uint32_t ulValue = 0;

    if( ( pcText[ 0 ] == '0' ) && ( ( pcText[ 1 ] == 'x' ) || ( pcText[ 1 ] == 'X' ) ) )
    {
        ulBase = consoleHEX_BASE;
        pcText += 2;
    }

    if( *pcText == '\0' )
    {
        return pdFALSE;
    }

    for( ; *pcText != '\0'; pcText++ )
    {
        uint32_t ulDigit;

        if( ( *pcText >= '0' ) && ( *pcText <= '9' ) )
        {
            ulDigit = ( uint32_t ) ( *pcText - '0' );
        }
        else if( ( ulBase == consoleHEX_BASE ) && ( *pcText >= 'a' ) && ( *pcText <= 'f' ) )
        {
            ulDigit = ( uint32_t ) ( *pcText - 'a' ) + consoleDECIMAL_BASE;
        }
        else if( ( ulBase == consoleHEX_BASE ) && ( *pcText >= 'A' ) && ( *pcText <= 'F' ) )
        {
            ulDigit = ( uint32_t ) ( *pcText - 'A' ) + consoleDECIMAL_BASE;
        }
        else
        {
            return pdFALSE;
        }

        if( ulValue > ( ( UINT32_MAX - ulDigit ) / ulBase ) )
        {
            return pdFALSE;
        }

        ulValue = ( ulValue * ulBase ) + ulDigit;
    }

    *pulValue = ulValue;
    return pdTRUE;
}

static const Scenario_t * prvFindScenario( const char * pcName )
{
    for( UBaseType_t uxIndex = 0; uxIndex < uxMhScenarioCount; uxIndex++ )
    {
        if( strcmp( pxMhScenarios[ uxIndex ]->pcName, pcName ) == 0 )
        {
            return pxMhScenarios[ uxIndex ];
        }
    }

    return NULL;
}

static BaseType_t prvFindParam( const Scenario_t * pxScenario,
                                const char * pcKey,
                                UBaseType_t * puxIndex )
{
    for( UBaseType_t uxIndex = 0; uxIndex < pxScenario->uxParamCount; uxIndex++ )
    {
        if( strcmp( pxScenario->pxParams[ uxIndex ].pcName, pcKey ) == 0 )
        {
            *puxIndex = uxIndex;
            return pdTRUE;
        }
    }

    return pdFALSE;
}

/* Fills pulValues from the key=value tokens; prints the error and returns
 * pdFALSE on the first bad one. */
static BaseType_t prvParseParams( const Scenario_t * pxScenario,
                                  char ** ppcTokens,
                                  UBaseType_t uxTokenCount,
                                  uint32_t * pulValues )
{
    for( UBaseType_t uxParam = 0; uxParam < pxScenario->uxParamCount; uxParam++ )
    {
        pulValues[ uxParam ] = pxScenario->pxParams[ uxParam ].ulDefault;
    }

    for( UBaseType_t uxToken = 0; uxToken < uxTokenCount; uxToken++ )
    {
        char * pcKey = ppcTokens[ uxToken ];
        char * pcValue = strchr( pcKey, '=' );
        UBaseType_t uxParam;
        uint32_t ulValue;

        if( pcValue != NULL )
        {
            *pcValue = '\0';
            pcValue++;
        }

        if( prvFindParam( pxScenario, pcKey, &uxParam ) == pdFALSE )
        {
            vMhRecord( "error", "code=unknown_param name=%s key=%s", pxScenario->pcName, pcKey );
            return pdFALSE;
        }

        if( ( pcValue == NULL ) || ( *pcValue == '\0' ) )
        {
            vMhRecord( "error", "code=missing_value name=%s key=%s", pxScenario->pcName, pcKey );
            return pdFALSE;
        }

        if( ( prvParseValue( pcValue, &ulValue ) == pdFALSE ) ||
            ( ulValue < pxScenario->pxParams[ uxParam ].ulMin ) ||
            ( ulValue > pxScenario->pxParams[ uxParam ].ulMax ) )
        {
            vMhRecord( "error", "code=bad_value name=%s key=%s value=%s", pxScenario->pcName, pcKey, pcValue );
            return pdFALSE;
        }

        pulValues[ uxParam ] = ulValue;
    }

    return pdTRUE;
}

static void prvPrintStart( const Scenario_t * pxScenario,
                           const uint32_t * pulValues )
{
    char cParams[ consoleLIST_LENGTH ];
    size_t uxLength = 0;

    cParams[ 0 ] = '\0';

    for( UBaseType_t uxParam = 0; uxParam < pxScenario->uxParamCount; uxParam++ )
    {
        uxLength += uxMhFormat( &cParams[ uxLength ], sizeof( cParams ) - uxLength, " %s=%lu",
                                pxScenario->pxParams[ uxParam ].pcName, pulValues[ uxParam ] );
    }

    vMhRecord( "start", "scenario=%s%s", pxScenario->pcName, cParams );
}

static void prvRunCommand( char ** ppcTokens,
                           UBaseType_t uxTokenCount )
{
    const Scenario_t * pxScenario;
    uint32_t ulValues[ scenarioMAX_PARAMS ];

    if( uxTokenCount < 2U )
    {
        vMhRecord( "error", "code=unknown_scenario" );
        return;
    }

    pxScenario = prvFindScenario( ppcTokens[ 1 ] );

    if( pxScenario == NULL )
    {
        vMhRecord( "error", "code=unknown_scenario name=%s", ppcTokens[ 1 ] );
        return;
    }

    if( ( pxScenario->pxIsApplicable != NULL ) && ( pxScenario->pxIsApplicable() == pdFALSE ) )
    {
        vMhRecord( "error", "code=not_applicable name=%s", pxScenario->pcName );
        return;
    }

    if( prvParseParams( pxScenario, &ppcTokens[ 2 ], uxTokenCount - 2U, ulValues ) == pdFALSE )
    {
        return;
    }

    prvPrintStart( pxScenario, ulValues );
    pxScenario->pxRun( ulValues );
}

static void prvHandleLine( char * pcLine )
{
    char * pcTokens[ consoleMAX_TOKENS ];
    UBaseType_t uxTokenCount = prvTokenise( pcLine, pcTokens, consoleMAX_TOKENS );

    if( uxTokenCount == 0U )
    {
        /* Blanks only: ignored like an empty line. */
        return;
    }

    if( uxTokenCount > consoleMAX_TOKENS )
    {
        vMhRecord( "error", "code=unknown_param name=%s", ( uxTokenCount > 1U ) ? pcTokens[ 1 ] : pcTokens[ 0 ] );
    }
    else if( strcmp( pcTokens[ 0 ], "run" ) == 0 )
    {
        prvRunCommand( pcTokens, uxTokenCount );
    }
    else if( ( strcmp( pcTokens[ 0 ], "list" ) == 0 ) && ( uxTokenCount == 1U ) )
    {
        prvPrintList();
    }
    else
    {
        vMhRecord( "error", "code=unknown_command name=%s", pcTokens[ 0 ] );
    }

    prvPrintReady();
}

/*---------------------------------------------------------------------------*/

static void prvConsoleTask( void * pvParameters )
{
    static char cLine[ consoleLINE_LENGTH ];

    ( void ) pvParameters;

    /* Allocations from reset until `ready` are traced; after it, only on request. */
    vMhAllocTraceSet( pdFALSE );
    vMhHeapRecord( "ready" );
    prvPrintReady();

    for( ; ; )
    {
        prvReadLine( cLine, sizeof( cLine ) );
        prvHandleLine( cLine );
    }
}

void vMhConsoleStart( void )
{
    #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
        BaseType_t xCreated = xTaskCreate( prvConsoleTask, consoleTASK_NAME, consoleTASK_STACK_DEPTH,
                                           NULL, consoleTASK_PRIORITY, NULL );

        configASSERT( xCreated == pdPASS );
    #else
        static StaticTask_t xConsoleTcb;
        static StackType_t uxConsoleStack[ consoleTASK_STACK_DEPTH ];
        TaskHandle_t xHandle = xTaskCreateStatic( prvConsoleTask, consoleTASK_NAME, consoleTASK_STACK_DEPTH,
                                                  NULL, consoleTASK_PRIORITY, uxConsoleStack, &xConsoleTcb );

        configASSERT( xHandle != NULL );
    #endif
}
